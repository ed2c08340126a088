import { describe, expect, test } from '@jest/globals';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LIBRARY } from '../../../shared/recipe/script-library.js';
import { run, tempDir, writeTemp } from './helpers.js';

/** Runs the script library's put_file/changed/ensure_line the way the provisioning script does. */
function runLibrary(dir: string, body: string): { stdout: string; status: number | null } {
  const owner = `${process.getuid!()}:${process.getgid!()}`;
  const script = writeTemp(
    dir,
    'lib.sh',
    `set -eu\nTOTAL_STEPS=1\nOWNER=${owner}\nDIR=${dir}\n${LIBRARY}\n${body}\n`,
  );
  const result = run('sh', [script]);
  expect(result.stderr).toBe('');
  return { stdout: result.stdout, status: result.status };
}

describe('put_file', () => {
  test('writes once, then changes nothing on a second run', () => {
    const dir = tempDir('put');
    const body = `put_file "$DIR/etc/app.conf" 0640 "$OWNER" <<'INDICOVM_EOF'
password = p&|\\'"$@:/
INDICOVM_EOF
ensure_line "$DIR/etc/app.conf" 'include extra.conf'
if changed "$DIR/etc/app.conf"; then echo CHANGED; else echo SAME; fi`;
    const first = runLibrary(dir, body);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`wrote ${dir}/etc/app.conf`);
    expect(first.stdout.trim().endsWith('CHANGED')).toBe(true);
    const path = join(dir, 'etc/app.conf');
    expect(readFileSync(path, 'utf8')).toBe('password = p&|\\\'"$@:/\ninclude extra.conf\n');
    expect(statSync(path).mode & 0o777).toBe(0o640);
    const mtime = statSync(path).mtimeMs;

    // put_file writes the same content again (without the appended line) and ensure_line re-adds it:
    // the real script writes files whole, so the second run of the same body must be quiet apart from that.
    const second = runLibrary(
      dir,
      `put_file "$DIR/etc/app.conf" 0640 "$OWNER" < "$DIR/etc/app.conf"
if changed "$DIR/etc/app.conf"; then echo CHANGED; else echo SAME; fi`,
    );
    expect(second.stdout.trim()).toBe('SAME');
    expect(statSync(path).mtimeMs).toBe(mtime);
  });

  test('steps are numbered against the total', () => {
    const dir = tempDir('step');
    const { stdout } = runLibrary(dir, `step 'First'`);
    expect(stdout).toBe('\n==> [1/1] First\n');
  });
});
