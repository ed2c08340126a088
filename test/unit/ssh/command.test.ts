import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { Secret } from '../../../shared/secret.js';
import { buildCommand, checkResult, outputTail } from '../../../shared/ssh/exec.js';
import { CommandError } from '../../../shared/errors.js';
import { isRetryableConnectError } from '../../../shared/ssh/connect.js';
import { HostKeyMismatchError, SshAuthenticationError } from '../../../shared/ssh/errors.js';

describe('buildCommand', () => {
  test('plain argv is quoted by the shared quoting and run as is', () => {
    const built = buildCommand(['echo', 'a b', "it's"], { username: 'root' });
    expect(built.line).toBe(`echo 'a b' 'it'\\''s'`);
    expect(built.shown).toBe(built.line);
  });

  test('sudo is added for a non-root user only', () => {
    expect(buildCommand(['id'], { username: 'debian', sudo: true }).line).toBe('sudo -n -- id');
    expect(buildCommand(['id'], { username: 'root', sudo: true }).line).toBe('id');
  });

  test('env values are sent but never shown; secret values are blanked out of output tails', () => {
    const built = buildCommand(['printenv', 'TOKEN'], {
      username: 'debian',
      sudo: true,
      env: { TOKEN: new Secret('s3cr3t value'), MODE: 'plain' },
    });
    expect(built.line).toBe(`sudo -n -- env TOKEN='s3cr3t value' MODE=plain printenv TOKEN`);
    expect(built.shown).toBe(`sudo -n -- env TOKEN='***' MODE='***' printenv TOKEN`);
    expect(built.shown).not.toContain('s3cr3t');
    expect(built.shown).not.toContain('plain');
    expect(outputTail(Buffer.from('echoed s3cr3t value here'), Buffer.alloc(0), built.secrets)).toBe(
      'echoed *** here',
    );
  });

  test('a time limit runs the command under GNU timeout, which the display leaves out', () => {
    const built = buildCommand(['sleep', '30'], { username: 'root', timeoutMs: 1500 });
    expect(built.line).toBe('timeout -k 5s 1.5s sleep 30');
    expect(built.shown).toBe('sleep 30');
  });

  test('the built line survives a real shell unchanged', () => {
    const hostile = ['$(touch /tmp/x)', '`id`', 'a;b', `"'`, 'line\nbreak', 'ünïcødé ✓'];
    const built = buildCommand(['printf', '%s\\0', ...hostile], { username: 'root', env: { V: '$HOME' } });
    const out = execFileSync('sh', ['-c', built.line], { encoding: 'utf8' });
    expect(out.split('\0').slice(0, -1)).toEqual(hostile);
  });

  test('invalid env names are refused', () => {
    expect(() => buildCommand(['true'], { username: 'root', env: { 'A-B': 'x' } })).toThrow(
      /environment variable name/,
    );
  });
});

describe('checkResult', () => {
  const built = buildCommand(['false'], { username: 'root', env: { PASSWORD: new Secret('hunter22') } });

  test('a zero status passes; a non-zero one throws with the command and the stderr tail', () => {
    expect(() =>
      checkResult(built, { code: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }, false),
    ).not.toThrow();
    const run = () =>
      checkResult(
        built,
        { code: 3, stdout: Buffer.from('out'), stderr: Buffer.from('bad hunter22\n') },
        false,
      );
    expect(run).toThrow(CommandError);
    expect(run).toThrow(/env PASSWORD='\*\*\*' false failed with exit code 3\. Last output:\nbad \*\*\*/);
  });

  test('allowFailure returns instead', () => {
    expect(() =>
      checkResult(built, { code: 1, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }, true),
    ).not.toThrow();
  });

  test('a signal is named', () => {
    expect(() =>
      checkResult(
        built,
        { code: null, signal: 'KILL', stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) },
        false,
      ),
    ).toThrow(/killed by signal KILL/);
  });
});

describe('isRetryableConnectError', () => {
  const withCode = (message: string, extra: Record<string, string>) =>
    Object.assign(new Error(message), extra);

  test('a server that is not answering yet is retried', () => {
    expect(isRetryableConnectError(withCode('connect ECONNREFUSED', { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryableConnectError(withCode('read ECONNRESET', { code: 'ECONNRESET' }))).toBe(true);
    expect(
      isRetryableConnectError(withCode('Timed out while waiting for handshake', { level: 'client-timeout' })),
    ).toBe(true);
    expect(isRetryableConnectError(new Error('Connection lost before handshake'))).toBe(true);
  });

  test('a server that answered no is not', () => {
    expect(isRetryableConnectError(new HostKeyMismatchError('ssh-ed25519', 'SHA256:x', 'mismatch'))).toBe(
      false,
    );
    expect(isRetryableConnectError(new SshAuthenticationError('h:22', 'root', ['publickey']))).toBe(false);
    expect(isRetryableConnectError(withCode('getaddrinfo ENOTFOUND', { code: 'ENOTFOUND' }))).toBe(false);
  });
});
