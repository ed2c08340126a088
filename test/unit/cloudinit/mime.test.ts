import { afterAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ConfigurationError } from '../../../shared/errors.js';
import { toWriteFiles, type CloudConfig } from '../../../shared/cloudinit/cloud-config.js';
import {
  GZIP_THRESHOLD_BYTES,
  NOVA_USER_DATA_LIMIT,
  checkNovaLimit,
  renderMultipart,
  renderUserData,
} from '../../../shared/cloudinit/mime.js';
import { Secret } from '../../../shared/secret.js';
import { cloudInitSchema, cloudInitUserDataParts, pythonEmailParts, readTool, scratchDir } from './tools.js';

const scratch = scratchDir('mime');
afterAll(() => scratch.remove());

const SCRIPT = '#!/bin/bash\nset -euo pipefail\necho "provisioning"\n';
const KEY =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
const CLOUD_CONFIG: CloudConfig = {
  write_files: [
    ...toWriteFiles([
      {
        path: '/etc/indico/indico.conf',
        mode: 0o640,
        content: "SECRET_KEY = 'x'\n",
        owner: 'indico:www-data',
      },
    ]),
    { path: '/root/.ssh/id_ed25519', content: new Secret(KEY), owner: 'root:root', permissions: '0600' },
  ],
};

describe('renderUserData', () => {
  const { bytes, gzipped } = renderUserData({ script: SCRIPT, cloudConfig: CLOUD_CONFIG });

  test('is an ungzipped multipart/mixed document that Python parses without defects', () => {
    expect(gzipped).toBe(false);
    const parsed = pythonEmailParts(bytes);
    expect(parsed.defects).toEqual([]);
    expect(parsed.headers['Content-Type']).toMatch(/^multipart\/mixed; boundary="[^"]+"$/);
    expect(parsed.headers['MIME-Version']).toBe('1.0');
    expect(
      parsed.parts.map((part) => [part.headers['Content-Type'], part.headers['Content-Disposition']]),
    ).toEqual([
      ['text/cloud-config; charset="us-ascii"', 'attachment; filename="cloud-config.yaml"'],
      ['text/x-shellscript; charset="us-ascii"', 'attachment; filename="indicovm-provision.sh"'],
    ]);
    expect(parsed.parts[1]!.payload).toBe(SCRIPT);
  });

  test('cloud-init reads the same parts, and its schema accepts the cloud-config part', () => {
    const parts = cloudInitUserDataParts(bytes);
    expect(parts.map(({ type, filename }) => [type, filename])).toEqual([
      ['text/cloud-config', 'cloud-config.yaml'],
      ['text/x-shellscript', 'indicovm-provision.sh'],
    ]);
    expect(parts[1]!.payload).toBe(SCRIPT);
    const cloudConfig = parts[0]!.payload;
    expect(cloudConfig).toContain(KEY.split('\n')[1]);
    expect(cloudConfig).toMatch(/path: \/root\/\.ssh\/id_ed25519\n(.*\n)*? {4}permissions: "0600"/);
    const schema = cloudInitSchema(cloudConfig);
    expect(schema.stdout).toContain('Valid cloud-config');
    expect(schema.status).toBe(0);
  });

  test("holds the same parts as cloud-init's own make-mime given the same files", () => {
    const configPath = scratch.file('cloud-config.yaml');
    const scriptPath = scratch.file('indicovm-provision.sh');
    writeFileSync(configPath, cloudInitUserDataParts(bytes)[0]!.payload);
    writeFileSync(scriptPath, SCRIPT);
    const reference = readTool(
      'cloud-init',
      [
        'devel',
        'make-mime',
        '-a',
        'cloud-config.yaml:cloud-config',
        '-a',
        'indicovm-provision.sh:x-shellscript',
      ],
      undefined,
      scratch.dir,
    );
    const view = (data: Buffer) =>
      pythonEmailParts(data).parts.map((part) => ({
        type: part.headers['Content-Type']!.split(';')[0],
        disposition: part.headers['Content-Disposition'],
        payload: part.payload,
      }));
    expect(view(bytes)).toEqual(view(Buffer.from(reference)));
  });

  test('uses base64 for non-ASCII text and for lines longer than 998 characters, 7bit otherwise', () => {
    const script = `#!/bin/sh\necho 'Grüße'\n# ${'x'.repeat(1200)}\n`;
    const parsed = pythonEmailParts(renderUserData({ script }).bytes);
    expect(parsed.defects).toEqual([]);
    expect(parsed.parts[0]!.headers['Content-Transfer-Encoding']).toBe('base64');
    expect(parsed.parts[0]!.payload).toBe(script);
    const plain = pythonEmailParts(renderUserData({ script: SCRIPT }).bytes);
    expect(plain.parts[0]!.headers['Content-Transfer-Encoding']).toBe('7bit');
  });

  test('gzips above 16 KiB, and cloud-init unpacks it to the same parts', () => {
    const filler = Array.from({ length: 600 }, (_, i) => `echo "step ${i} of the provisioning recipe"`).join(
      '\n',
    );
    const script = `#!/bin/bash\n${filler}\n`;
    expect(script.length).toBeGreaterThan(GZIP_THRESHOLD_BYTES);
    const big = renderUserData({ script, cloudConfig: CLOUD_CONFIG });
    expect(big.gzipped).toBe(true);
    expect([...big.bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(pythonEmailParts(gunzipSync(big.bytes)).parts[1]!.payload).toBe(script);
    const parts = cloudInitUserDataParts(big.bytes);
    expect(parts.map((part) => part.type)).toEqual(['text/cloud-config', 'text/x-shellscript']);
    expect(parts[1]!.payload).toBe(script);
  });

  test("refuses user-data whose base64 exceeds Nova's 65535 characters, naming both numbers", () => {
    // Random text does not compress, so it stays too large after gzip.
    const script = `#!/bin/sh\n: '${randomBytes(60_000).toString('base64')}'\n`;
    expect(() => renderUserData({ script })).toThrow(ConfigurationError);
    expect(() => renderUserData({ script })).toThrow(
      new RegExp(`are \\d+ base64 characters, and Nova accepts at most ${NOVA_USER_DATA_LIMIT}\\.`),
    );
    expect(() => checkNovaLimit(Buffer.alloc(49_149))).not.toThrow(); // 65532 base64 characters
    expect(() => checkNovaLimit(Buffer.alloc(49_150))).toThrow(/49150 bytes are 65536 base64 characters/);
  });

  test('refuses a script without an interpreter line, and private keys open to others', () => {
    expect(() => renderUserData({ script: 'echo hi\n' })).toThrow(/must start with an interpreter line/);
    const open: CloudConfig = {
      write_files: [
        { path: '/root/.ssh/id_ed25519', content: new Secret(KEY), owner: 'root:root', permissions: '0644' },
      ],
    };
    expect(() => renderUserData({ script: SCRIPT, cloudConfig: open })).toThrow(/Refusing permissions 0644/);
  });
});

describe('renderMultipart boundary', () => {
  test('a boundary that occurs in a part is never used', () => {
    const candidates = ['==taken==', '==free=='];
    const text = renderMultipart(
      [{ contentType: 'text/x-shellscript', filename: 's.sh', content: '#!/bin/sh\n# --==taken==\n' }],
      () => candidates.shift()!,
    );
    expect(text).toContain('boundary="==free=="');
    expect(pythonEmailParts(Buffer.from(text)).parts[0]!.payload).toBe('#!/bin/sh\n# --==taken==\n');
  });

  test('random boundaries differ between renders', () => {
    const boundary = (data: Buffer) => /boundary="([^"]+)"/.exec(data.toString())![1];
    expect(boundary(renderUserData({ script: SCRIPT }).bytes)).not.toBe(
      boundary(renderUserData({ script: SCRIPT }).bytes),
    );
  });
});
