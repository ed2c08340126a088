import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { Secret } from '../../../shared/secret.js';
import { assignments, commandLine, quote } from '../../../shared/shell/quote.js';
import { markdownTable } from '../../../shared/report/markdown.js';
import { Masker } from '../../../shared/report/reporter.js';

const HOSTILE = [
  "a'b",
  '$(touch /tmp/x)',
  '`id`',
  'a;b&&c|d',
  'new\nline',
  '-oProxyCommand=x',
  '',
  ' ',
  'ünï',
  '\\',
  '"',
  "'",
];

describe('Secret', () => {
  test('never prints its value', () => {
    const s = new Secret('s3cr3t-value');
    expect(`${s}`).toBe('***');
    expect(String(s)).toBe('***');
    expect(JSON.stringify({ s })).toBe('{"s":"***"}');
    expect(inspect({ s })).not.toContain('s3cr3t');
    expect(s.reveal()).toBe('s3cr3t-value');
    expect(s.encodings()).toEqual(['s3cr3t-value', Buffer.from('s3cr3t-value').toString('base64')]);
  });
});

describe('quote', () => {
  test.each(HOSTILE)('round-trips %j through a real shell', (arg) => {
    const result = spawnSync('sh', ['-c', `printf %s ${quote(arg)}`], { encoding: 'utf8' });
    expect(result.stdout).toBe(arg);
  });

  test('a command line keeps every argument whole', () => {
    const result = spawnSync('sh', ['-c', `${commandLine(['printf', '%s|', ...HOSTILE])}`], {
      encoding: 'utf8',
    });
    expect(result.stdout).toBe(HOSTILE.map((a) => `${a}|`).join(''));
  });

  test('NUL and bad variable names are refused', () => {
    expect(() => quote('a\0b')).toThrow('NUL');
    expect(() => assignments({ 'A;B': 'x' })).toThrow('Not a valid environment variable name');
    expect(assignments({ A: "it's" })).toBe(`A='it'\\''s'`);
  });
});

describe('reporting', () => {
  test('markdown tables escape cell content', () => {
    expect(markdownTable({ header: ['a', 'b'], rows: [['x|y', 'line\nbreak']] })).toBe(
      '| a | b |\n| --- | --- |\n| x\\|y | line<br>break |',
    );
  });

  test('the masker hides every registered value, longest first', () => {
    const masker = new Masker();
    masker.add('secret');
    masker.add('secret-longer');
    masker.add('ab');
    expect(masker.apply('secret-longer and secret and ab')).toBe('*** and *** and ab');
  });
});
