/**
 * The verify boot: the sealed image booted as a new instance would be (an overlay, a new seed with a new
 * host key and another user) and checked for being a new machine, and, after the recipe, for a stack
 * that re-keyed itself on first boot and answers HTTPS.
 */
import { rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import type { Ledger } from '../cleanup/ledger.js';
import { CommandError } from '../errors.js';
import { createOverlay, imageInfo } from '../qemu/img.js';
import type { Reporter } from '../report/reporter.js';
import { fingerprintOf, type SshSession } from '../ssh/index.js';
import type { BuildImageOptions } from './build-image.js';
import type { ManifestImage, VerifyResult } from './manifest.js';
import { bootVm, waitForSsh, writeSeed, type MachineSettings } from './vm.js';

const VERIFY_USER = 'indicovm-verify';
const CLOUD_INIT_TIMEOUT_MS = 15 * 60_000;

export async function waitForCloudInit(session: SshSession, reporter: Reporter): Promise<void> {
  const result = await session.exec(['cloud-init', 'status', '--wait', '--long'], {
    allowFailure: true,
    timeoutMs: CLOUD_INIT_TIMEOUT_MS,
  });
  // 2 is "done, with recoverable errors" (cloud-init >= 23.4): worth a warning, not a failed build.
  if (result.code === 2) {
    reporter.warning(`cloud-init finished with recoverable errors:\n${result.stdout.trim()}`);
  } else if (result.code !== 0) {
    throw new CommandError(
      'cloud-init status --wait',
      result.code,
      `${result.stdout}${result.stderr}`.trim().slice(-4000),
    );
  } else {
    reporter.info(
      result.stdout
        .trim()
        .split('\n')
        .find((line) => line.startsWith('status:')) ?? 'status: done',
    );
  }
}

export interface VerifyRequest {
  readonly image: ManifestImage;
  readonly workDir: string;
  readonly outputDir: string;
  readonly machine: MachineSettings;
  readonly options: BuildImageOptions;
  readonly buildHostKeyFingerprint: string;
  readonly buildMachineId: string;
  readonly recipeRan: boolean;
  readonly ledger: Ledger;
  readonly reporter: Reporter;
}

/**
 * Boots the sealed image as a new instance would be: on an overlay, with a new seed (new host key, a
 * different user), and checks that it became a new machine and that the stack answers.
 */
export async function verifyImage(request: VerifyRequest): Promise<VerifyResult> {
  const { options, reporter, workDir } = request;
  const overlay = join(workDir, 'verify.qcow2');
  const info = await imageInfo(request.image.path);
  await createOverlay(request.image.path, request.image.format, overlay, info.virtualSize);
  const { seed, seedFile } = writeSeed(workDir, `verify-${options.seedName}`, {
    hostname: 'indicovm-verify',
    buildUser: options.sshUsername === VERIFY_USER ? `${VERIFY_USER}2` : VERIFY_USER,
  });
  const serialLog = join(request.outputDir, `${options.imageName}.verify.serial.log`);
  const guestPorts = request.recipeRan ? [22, options.httpsPort] : [22];
  const qemu = await bootVm(
    {
      name: 'verify',
      workDir,
      disk: overlay,
      diskFormat: 'qcow2',
      seed,
      seedFile,
      serialLog,
      machine: request.machine,
    },
    request.ledger,
    reporter,
    { guestPorts },
  );
  let session: SshSession | undefined;
  try {
    session = await waitForSsh(qemu, seed, serialLog, options.sshTimeout * 1000, reporter);
    await waitForCloudInit(session, reporter);
    const hostKey = fingerprintOf(session.hostKey.blob);
    const machineId = (await session.exec(['cat', '/etc/machine-id'])).stdout.trim();
    const userGone =
      (await session.exec(['getent', 'passwd', options.sshUsername], { allowFailure: true })).code === 2 &&
      (await session.exec(['test', '-e', `/home/${options.sshUsername}`], { allowFailure: true })).code !== 0;
    const result: VerifyResult = {
      hostKeyChanged: hostKey !== request.buildHostKeyFingerprint,
      machineIdChanged: machineId !== '' && machineId !== request.buildMachineId,
      buildUserGone: userGone,
      ...(request.recipeRan ? await verifyStack(session, qemu.hostPort(options.httpsPort), reporter) : {}),
    };
    reporter.info(`Verify boot: ${JSON.stringify(result)}`);
    const problems = [
      result.hostKeyChanged ? '' : 'the SSH host key is the build VM’s',
      result.machineIdChanged ? '' : 'the machine-id is the build VM’s (or empty)',
      result.buildUserGone ? '' : `the build user ${options.sshUsername} still exists`,
      result.firstBootDone === false ? 'the first-boot unit did not finish' : '',
    ].filter(Boolean);
    if (problems.length > 0) {
      throw new CommandError('verify boot', null, '', problems.join('; '));
    }
    const current = session;
    await qemu.stop(
      reporter,
      () =>
        current
          .exec(['systemctl', 'poweroff'], { sudo: true, allowFailure: true, timeoutMs: 10_000 })
          .then(() => undefined),
      60_000,
    );
    return result;
  } finally {
    await session?.close().catch(() => undefined);
    if (qemu.running) {
      await qemu.stop(reporter);
    }
    rmSync(overlay, { force: true });
  }
}

/** After the first boot of an image made with the recipe: the per-instance secrets exist and HTTPS answers. */
async function verifyStack(
  session: SshSession,
  httpsHostPort: number,
  reporter: Reporter,
): Promise<Pick<VerifyResult, 'httpsStatus' | 'httpsCertificateSha256' | 'firstBootDone'>> {
  await session.exec(['systemctl', 'is-system-running', '--wait'], {
    allowFailure: true,
    timeoutMs: 10 * 60_000,
  });
  const stamp = await session.exec(['test', '-e', '/var/lib/indicovm/firstboot.done'], {
    sudo: true,
    allowFailure: true,
  });
  const https = await httpsProbe(httpsHostPort);
  reporter.info(
    `HTTPS on the forwarded port answered with status ${https.status}, certificate SHA-256 ${https.certificateSha256}.`,
  );
  return {
    httpsStatus: https.status,
    httpsCertificateSha256: https.certificateSha256,
    firstBootDone: stamp.code === 0,
  };
}

/**
 * GET / over TLS on 127.0.0.1: the HTTP status and the SHA-256 fingerprint of the certificate served
 * (self-signed per instance, so it is recorded rather than verified).
 */
export function httpsProbe(
  port: number,
  timeoutMs = 30_000,
): Promise<{ status: number; certificateSha256: string }> {
  return new Promise((resolvePromise, reject) => {
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        method: 'GET',
        rejectUnauthorized: false,
        timeout: timeoutMs,
        agent: false,
      },
      (response) => {
        const socket = response.socket as TLSSocket;
        const certificateSha256 = socket.getPeerCertificate().fingerprint256 ?? '';
        response.resume();
        resolvePromise({ status: response.statusCode ?? 0, certificateSha256 });
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`no HTTPS answer on 127.0.0.1:${port} within ${timeoutMs / 1000} s`)),
    );
    request.on('error', reject);
    request.end();
  });
}
