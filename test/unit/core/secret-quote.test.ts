import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { inspect } from 'node:util';
import { assignments, commandLine, quote } from '../../../shared/shell/quote.js';
import { markdownTable } from '../../../shared/report/markdown.js';
import { Masker } from '../../../shared/report/reporter.js';
import { onSecret, redact, Secret } from '../../../shared/secret.js';

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
    expect(s.encodings()).toEqual(
      expect.arrayContaining(['s3cr3t-value', Buffer.from('s3cr3t-value').toString('base64')]),
    );
  });

  test('its forms include the JSON-escaped, URL-encoded and per-line ones', () => {
    const forms = new Secret('pa"ss\\wo rd\nline-two').encodings();
    expect(forms).toEqual(
      expect.arrayContaining(['pa\\"ss\\\\wo rd\\nline-two', 'pa%22ss%5Cwo%20rd%0Aline-two', 'line-two']),
    );
  });

  test('every secret is known to redact() and to listeners from the moment it is made', () => {
    const heard: string[] = [];
    const stop = onSecret((forms) => heard.push(...forms));
    const late = new Secret('made-after-the-listener-42');
    stop();
    expect(heard).toContain('made-after-the-listener-42');
    expect(redact(`token made-after-the-listener-42 and ${JSON.stringify(late.reveal())}`)).toBe(
      'token *** and "***"',
    );
    // Cut by a line break and indented, as a wrapped error page would carry it.
    expect(redact('Error: made-after-\n    the-listener-42 end')).toBe('Error: *** end');
    // A composite document is not registered: its lines are ordinary words.
    new Secret('#cloud-config\nruncmd:', { composite: true });
    expect(redact('#cloud-config')).toBe('#cloud-config');
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
