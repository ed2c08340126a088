import { describe, expect, test } from '@jest/globals';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeUserData } from '../../../shared/deploy/user-data.js';
import { deployOptions } from '../../support/deploy-options.js';
import { useTempDir } from '../../support/temp-dir.js';
import { selfSignedPair } from '../../support/tls.js';
import { cloudInitSchema, cloudInitUserDataParts } from '../cloudinit/tools.js';

const dir = useTempDir('deploy-unit-');

describe('stock-image user-data', () => {
  test('is MIME with the recipe script, private to its owner', async () => {
    const path = join(dir(), 'sub', 'user-data.mime');
    const written = await writeUserData(deployOptions({ 'source-image': 'debian' }), path);
    expect(written.path).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(path);
    const text = (written.gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
    expect(text).toMatch(/^Content-Type: multipart\/mixed; boundary=/);
    expect(text).toContain('Content-Type: text/x-shellscript');
    expect(text).toContain('#!/bin/sh');
  });

  test("carries a given certificate and key in a cloud-config part that cloud-init's schema accepts", async () => {
    const { keyFile: key, certFile: cert } = selfSignedPair(dir(), 'indico.example.org');
    const path = join(dir(), 'tls-user-data.mime');
    const written = await writeUserData(
      deployOptions({
        'source-image': 'debian',
        'server-hostname': 'indico.example.org',
        'ssl-cert': cert,
        'ssl-key': key,
      }),
      path,
    );
    // What cloud-init itself makes of the file: the script and one cloud-config part.
    const parts = cloudInitUserDataParts(written.bytes);
    expect(parts.map((p) => p.type).sort()).toEqual(['text/cloud-config', 'text/x-shellscript']);
    const cloudConfig = parts.find((p) => p.type === 'text/cloud-config')!.payload;
    const schema = cloudInitSchema(cloudConfig);
    expect(schema.stdout + schema.stderr).toContain('Valid cloud-config');
    expect(schema.status).toBe(0);
    expect(cloudConfig).toContain('fqdn: indico.example.org');
    expect(cloudConfig).toMatch(/path: \/etc\/ssl\/indico\/indico\.key\n\s+content: [|]/);
    expect(cloudConfig).toMatch(/path: \/etc\/ssl\/indico\/indico\.key[\s\S]*?permissions: "0600"/);
    expect(cloudConfig).toMatch(/path: \/etc\/ssl\/indico\/indico\.key[\s\S]*?owner: root:root/);
  });
});
