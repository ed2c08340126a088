import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { keypairName } from '../../../shared/deploy/boot.js';
import { checkDeployOptions, deploy, type DeployOptions } from '../../../shared/deploy/deploy.js';
import { detectDiskFormat, formatFromHeader } from '../../../shared/deploy/disk-format.js';
import { checkImageFile, pickImageFile } from '../../../shared/deploy/image-file.js';
import { rotationPrefix } from '../../../shared/deploy/image-step.js';
import { writeUserData } from '../../../shared/deploy/user-data.js';
import { ConfigurationError } from '../../../shared/errors.js';
import { deployCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { silentReporter } from '../../support/recording-reporter.js';
import { selfSignedPair } from '../../support/tls.js';
import { cloudInitSchema, cloudInitUserDataParts } from '../cloudinit/tools.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function options(explicit: Record<string, string>): DeployOptions {
  return resolveOptions(deployCommand, { explicit, explicitKind: 'flag', env: {} }).values;
}

const base = { 'auth-url': 'http://127.0.0.1:1/v3', flavor: 'm1.tiny', 'server-name': 'indico' };

describe('disk format detection', () => {
  test.each(['qcow2', 'vmdk', 'vdi', 'vhdx', 'vpc', 'raw'])('a %s file made by qemu-img', (format) => {
    const file = join(dir, `disk.${format}`);
    execFileSync('qemu-img', ['create', '-q', '-f', format, file, '4M']);
    return expect(detectDiskFormat(file, statSync(file).size)).resolves.toBe(
      format === 'vpc' ? 'vhd' : format,
    );
  });

  test('an ISO 9660 image by its volume descriptor, and unknown bytes as raw', () => {
    const iso = Buffer.alloc(40_000);
    iso.write('CD001', 16 * 2048 + 1, 'latin1');
    expect(formatFromHeader(iso.subarray(0, 512), Buffer.alloc(0), iso.subarray(32769, 32774))).toBe('iso');
    expect(formatFromHeader(Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(0))).toBe('raw');
  });
});

describe('keep-images series', () => {
  test.each([
    ['indico-3.3-20261125.qcow2', 'indico-', false],
    ['indicovm-ubuntu24-2026.11.25', 'indicovm-ubuntu24-', false],
    ['indico', 'indico', true],
    ['2026-indico', '2026-indico', true],
  ])('%s belongs to the series %s', (name, prefix, exact) => {
    expect(rotationPrefix(name)).toEqual({ prefix, exact });
  });
});

describe('the image in an artifact', () => {
  test('is the one disk image beside other files, found in sub-folders too', async () => {
    const folder = join(dir, 'artifact-one');
    mkdirSync(join(folder, 'out'), { recursive: true });
    writeFileSync(join(folder, 'out', 'indico.qcow2'), 'x');
    writeFileSync(join(folder, 'SHA256SUMS'), 'x');
    await expect(pickImageFile(folder, 'img')).resolves.toBe(join(folder, 'out', 'indico.qcow2'));
  });

  test('is an error that lists the files when there is none or several', async () => {
    const folder = join(dir, 'artifact-none');
    mkdirSync(folder);
    writeFileSync(join(folder, 'build.log'), 'x');
    await expect(pickImageFile(folder, 'img')).rejects.toThrow(
      "Artifact 'img' holds no disk image (.qcow2, .img, .raw, .vmdk, .vdi, .vhd, .vhdx or .iso); it has: build.log.",
    );
    writeFileSync(join(folder, 'a.qcow2'), 'x');
    writeFileSync(join(folder, 'b.raw'), 'x');
    await expect(pickImageFile(folder, 'img')).rejects.toThrow('holds 2 disk images (a.qcow2, b.raw)');
  });

  test('an empty or missing image path is refused by name', async () => {
    writeFileSync(join(dir, 'empty.qcow2'), '');
    await expect(checkImageFile(join(dir, 'empty.qcow2'), 'x')).rejects.toThrow("Option 'image-path'");
    await expect(checkImageFile(join(dir, 'missing'), 'x')).rejects.toThrow('does not exist');
  });
});

describe('options across each other', () => {
  test('exactly one thing to boot', () => {
    expect(() => checkDeployOptions(options(base))).toThrow("What to boot: set one of 'image-path'");
    expect(() =>
      checkDeployOptions(options({ ...base, 'image-path': 'a.qcow2', 'source-image': 'debian' })),
    ).toThrow("set only one of 'image-path', 'image-artifact', 'source-image'");
  });

  test('key-name and public-key exclude each other; floating IPs need a network', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPBbyL7F9mfvxqfmlAOcqj3bsOHpAQxvDfz5xjykiKGt x';
    expect(() =>
      checkDeployOptions(options({ ...base, 'image-path': 'a', 'key-name': 'k', 'public-key': key })),
    ).toThrow("Set only one of 'key-name'");
    expect(() =>
      checkDeployOptions(
        options({ ...base, 'image-path': 'a', network: 'none', 'floating-ip-network': 'public' }),
      ),
    ).toThrow("'floating-ip-network' needs a network port");
  });

  test('volume-type without boot-volume-size is refused by name; the size is a whole number of GiB', () => {
    expect(() => checkDeployOptions(options({ ...base, 'image-path': 'a', 'volume-type': 'ssd' }))).toThrow(
      "Option 'volume-type' applies to the boot volume: set 'boot-volume-size' (GiB) to boot from one.",
    );
    expect(() =>
      checkDeployOptions(
        options({ ...base, 'image-path': 'a', 'volume-type': 'ssd', 'boot-volume-size': '20' }),
      ),
    ).not.toThrow();
    expect(() => options({ ...base, 'boot-volume-size': '0' })).toThrow(
      /boot-volume-size.*from 1 to 1000000/,
    );
  });

  test('image-artifact outside a workflow is a configuration error before any login', async () => {
    const error = await deploy(options({ ...base, 'image-artifact': 'indico-image' }), silentReporter).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('works in action-deploy only');
    expect((error as Error).message).toContain("'image-path'");
  });

  test('registered key pairs are named after the server', () => {
    expect(keypairName('indico', '0a1b2c3d')).toBe('indicovm-indico-0a1b2c3d');
  });
});

describe('stock-image user-data', () => {
  test('is MIME with the recipe script, private to its owner', async () => {
    const path = join(dir, 'sub', 'user-data.mime');
    const written = await writeUserData(options({ ...base, 'source-image': 'debian' }), path);
    expect(written.path).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(path);
    const text = (written.gzipped ? gunzipSync(bytes) : bytes).toString('utf8');
    expect(text).toMatch(/^Content-Type: multipart\/mixed; boundary=/);
    expect(text).toContain('Content-Type: text/x-shellscript');
    expect(text).toContain('#!/bin/sh');
  });

  test("carries a given certificate and key in a cloud-config part that cloud-init's schema accepts", async () => {
    const { keyFile: key, certFile: cert } = selfSignedPair(dir, 'indico.example.org');
    const path = join(dir, 'tls-user-data.mime');
    const written = await writeUserData(
      options({
        ...base,
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
