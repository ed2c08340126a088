import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { runCli } from '../../../cli/src/run.js';
import { useTempDir } from '../../support/temp-dir.js';

const dir = useTempDir('deploy-cli-');

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (t) => out.push(t), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('indicovm CLI deploy tasks', () => {
  test('gen-user-data writes the MIME user-data and prints its path', async () => {
    const path = join(dir(), 'ud.mime');
    const { code, out } = await cli(
      'gen-user-data',
      '--user-data-path',
      path,
      '--server-hostname',
      'indico.example.org',
    );
    expect(code).toBe(0);
    expect(out).toBe(path);
    const bytes = readFileSync(path);
    // Above 16 KiB the MIME document is gzipped (cloud-init recognises the magic).
    const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
    expect(text).toContain('Content-Type: text/x-shellscript');
    expect(text).toContain('indico.example.org');
  });

  test('deploy with image-artifact says it is for workflows, exit 2', async () => {
    const { code, err } = await cli(
      'deploy',
      '--image-artifact',
      'indico-image',
      '--flavor',
      'm1.tiny',
      '--server-name',
      'indico',
      '--auth-url',
      'http://127.0.0.1:1/v3',
    );
    expect(code).toBe(2);
    expect(err).toContain("Option 'image-artifact' downloads a workflow artifact of the current run");
  });
});
