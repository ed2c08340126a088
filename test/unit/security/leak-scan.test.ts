// The leak scanner of the secrets corpus must find what it is there to find: a scan that cannot fail
// would make test/integration/security/secrets.test.ts prove nothing.
import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distinctiveSecret, scanRun } from '../../security/leak-scan.js';
import type { ActionRun } from '../../support/run-action.js';

function fakeRun(files: Record<string, string | Buffer>, stdout = '', stderr = ''): ActionRun {
  const workspace = mkdtempSync(join(tmpdir(), 'indicovm-leakscan-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(workspace, name, '..'), { recursive: true });
    writeFileSync(join(workspace, name), content);
  }
  return { status: 0, stdout, stderr, outputs: {}, summary: '', workspace };
}

describe('scanRun', () => {
  const secret = distinctiveSecret('probe');

  it('finds a secret plain, URL-encoded and base64 at every alignment, in logs and nested files', () => {
    const forms: [string, string][] = [
      ['stdout', `::debug::password=${secret}\n`],
      ['stderr', encodeURIComponent(secret)],
      ['stdout', `::error::Keystone said: {"password": ${JSON.stringify(secret)}}\n`],
    ];
    for (const prefix of ['', 'x', 'xy']) {
      const run = fakeRun({ 'deep/er/state.json': Buffer.from(prefix + secret + 'tail').toString('base64') });
      const { leaks } = scanRun(run, [secret]);
      expect(leaks.map((leak) => leak.where)).toContain('deep/er/state.json');
      rmSync(run.workspace, { recursive: true });
    }
    const run = fakeRun({}, forms[0]![1], forms[1]![1]);
    const found = scanRun(run, [secret]).leaks.map((leak) => `${leak.form}@${leak.where}`);
    expect(found).toEqual(expect.arrayContaining(['plain@stdout', 'url-encoded@stderr']));
    rmSync(run.workspace, { recursive: true });
    // The JSON-escaped form alone: the secret's quote arrives as \" and its plain form is not there.
    const echoed = fakeRun({}, forms[2]![1]);
    expect(scanRun(echoed, [secret]).leaks.map((leak) => `${leak.form}@${leak.where}`)).toEqual([
      'json-escaped@stdout',
    ]);
    rmSync(echoed.workspace, { recursive: true });
  });

  it('leaves out exactly the ::add-mask:: lines and the files it is told to skip', () => {
    const run = fakeRun({ 'user-data.mime': secret }, `::add-mask::${secret}\nfine\n`);
    expect(scanRun(run, [secret], { skipFiles: [join(run.workspace, 'user-data.mime')] }).leaks).toEqual([]);
    expect(scanRun(run, [secret]).leaks.map((leak) => leak.where)).toEqual(['user-data.mime']);
    rmSync(run.workspace, { recursive: true });
  });
});
