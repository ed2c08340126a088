import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScriptText } from '../../../shared/manage/tasks/run.js';
import { tempDir } from '../recipe/helpers.js';

describe('run script', () => {
  test('stops at the first failing command and sees the env values exactly', () => {
    const value = `a'b"c $(id) \\ \n x`;
    const text = runScriptText('printf "%s|" "$V"\nfalse\necho unreachable\n', { V: value });
    const dir = tempDir('manage-run');
    writeFileSync(join(dir, 'run.sh'), text);
    const result = spawnSync('bash', [join(dir, 'run.sh')], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe(`${value}|`);
  });
});
