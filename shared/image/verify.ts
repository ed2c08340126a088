/**
 * The verify boot: the sealed image booted as a new instance would be (an overlay, a new seed with a new
 * host key and another user) and checked for being a new machine, and, after the recipe, for a stack
 * that re-keyed itself on first boot and answers HTTPS.
 */
import { rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import type { Ledger } from '../cleanup/ledger.js';
import { CommandError } from '../errors.js';
import { createOverlay, imageInfo } from '../qemu/img.js';
import type { Reporter } from '../report/reporter.js';
import { fingerprintOf, type SshSession } from '../ssh/index.js';
import type { BuildImageOptions } from './build-options.js';
import type { ManifestImage, VerifyResult } from './manifest.js';
import { waitForCloudInit } from './cloud-init-wait.js';
import { recipeContext, type RecipeContext } from '../recipe/context.js';
import {
  httpsProblem,
  parseStackFacts,
  secretProblems,
  stackCheckScript,
  upstreamErrorCount,
  type HttpsAnswer,
  type StackFacts,
} from './verify-stack.js';
import { bootVm, waitForSsh, writeSeed, type MachineSettings } from './vm.js';

const VERIFY_USER = 'indicovm-verify';
/** How long a new instance's uWSGI may take to load Indico before a 502-504 counts. */
const INDICO_START_MS = 3 * 60_000;

/** What the verify boot found in a stack made by the recipe (recorded in the manifest with the rest). */
export interface StackVerifyResult extends VerifyResult, Partial<StackFacts> {
  /** The Host header of the HTTPS check: BASE_URL's authority. */
  readonly httpsHost?: string;
  readonly httpsLocation?: string;
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
export async function verifyImage(request: VerifyRequest): Promise<StackVerifyResult> {
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
    { name: 'verify', workDir, disk: overlay, seed, seedFile, serialLog, machine: request.machine },
    request.ledger,
    reporter,
    { guestPorts },
  );
  let session: SshSession | undefined;
  try {
    session = await waitForSsh(qemu, seed, serialLog, options.sshTimeout * 1000, reporter);
    await waitForCloudInit(session, reporter, serialLog);
    const hostKey = fingerprintOf(session.hostKey.blob);
    const machineId = (await session.exec(['cat', '/etc/machine-id'])).stdout.trim();
    const userGone =
      (await session.exec(['getent', 'passwd', options.sshUsername], { allowFailure: true })).code === 2 &&
      (await session.exec(['test', '-e', `/home/${options.sshUsername}`], { allowFailure: true })).code !== 0;
    const stack = request.recipeRan
      ? await verifyStack(session, qemu.hostPort(options.httpsPort), recipeContext(options), reporter)
      : undefined;
    const result: StackVerifyResult = {
      hostKeyChanged: hostKey !== request.buildHostKeyFingerprint,
      machineIdChanged: machineId !== '' && machineId !== request.buildMachineId,
      buildUserGone: userGone,
      ...(stack?.result ?? {}),
    };
    reporter.info(`Verify boot: ${JSON.stringify(result)}`);
    const problems = [
      result.hostKeyChanged ? '' : 'the SSH host key is the build VM’s',
      result.machineIdChanged ? '' : 'the machine-id is the build VM’s (or empty)',
      result.buildUserGone ? '' : `the build user ${options.sshUsername} still exists`,
      result.firstBootDone === false ? 'the first-boot unit did not finish' : '',
      ...(stack?.problems ?? []),
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

/**
 * After the first boot of an image made with the recipe: the per-instance secrets are new and work,
 * and HTTPS, asked for BASE_URL's host, answers as Indico (or, without Indico, as the web server does
 * for the absent uWSGI socket).
 */
async function verifyStack(
  session: SshSession,
  httpsHostPort: number,
  ctx: RecipeContext,
  reporter: Reporter,
): Promise<{ result: Partial<StackVerifyResult>; problems: string[] }> {
  await session.exec(['systemctl', 'is-system-running', '--wait'], {
    allowFailure: true,
    timeoutMs: 10 * 60_000,
  });
  const stamp = await session.exec(['test', '-e', '/var/lib/indicovm/firstboot.done'], {
    sudo: true,
    allowFailure: true,
  });
  const errorsBefore = await session.exec(upstreamErrorCount(ctx), { sudo: true, allowFailure: true });
  const authority = new URL(ctx.baseUrl).host;
  const https = await probeUntilSettled(httpsHostPort, authority, ctx);
  reporter.info(
    `HTTPS for ${authority} on the forwarded port answered with status ${https.status}` +
      `${https.location ? ` (Location ${https.location})` : ''}, certificate SHA-256 ${https.certificateSha256}.`,
  );
  // After the probe: the web server's error log then holds what it made of the request.
  const check = await session.runScript(stackCheckScript(ctx), {
    sudo: true,
    allowFailure: true,
    timeoutMs: 120_000,
  });
  const found = parseStackFacts(check.stdout);
  // Only what the probe caused counts as its answer.
  const facts: StackFacts = {
    ...found,
    upstreamErrors: found.upstreamErrors - (Number.parseInt(errorsBefore.stdout.trim(), 10) || 0),
  };
  const problems = [
    // Its stderr is not shown: whatever failed there may hold a secret.
    ...(check.code === 0
      ? []
      : [
          `the stack check in the instance failed (${/^error=(\w+)$/m.exec(check.stdout)?.[1] ?? `exit ${check.code}`})`,
        ]),
    ...secretProblems(facts),
  ];
  const httpsIssue = httpsProblem(ctx, https, facts);
  if (httpsIssue) problems.push(httpsIssue);
  return {
    result: {
      httpsStatus: https.status,
      httpsHost: authority,
      ...(https.location ? { httpsLocation: https.location } : {}),
      httpsCertificateSha256: https.certificateSha256,
      firstBootDone: stamp.code === 0,
      ...facts,
    },
    problems,
  };
}

/** With Indico installed, a new instance's uWSGI may still be loading it: 502-504 are retried for a while. */
async function probeUntilSettled(port: number, host: string, ctx: RecipeContext): Promise<HttpsProbeResult> {
  const deadline = Date.now() + INDICO_START_MS;
  for (;;) {
    const answer = await httpsProbe(port, { host });
    const starting = ctx.options.installIndico && answer.status >= 502 && answer.status <= 504;
    if (!starting || Date.now() > deadline) return answer;
    await new Promise((resolveWait) => setTimeout(resolveWait, 5_000));
  }
}

export interface HttpsProbeResult extends HttpsAnswer {
  readonly certificateSha256: string;
}

/**
 * GET / over TLS on 127.0.0.1: the HTTP status, the Location and the SHA-256 fingerprint of the
 * certificate served (self-signed per instance, so it is recorded rather than verified). `host` is the
 * Host header (and SNI name): BASE_URL's authority, as a browser would send it, or the vhost answers
 * with its redirect to BASE_URL before Indico sees the request.
 */
export function httpsProbe(
  port: number,
  { host, timeoutMs = 30_000 }: { host?: string; timeoutMs?: number } = {},
): Promise<HttpsProbeResult> {
  const serverName = host?.replace(/:\d+$/, '').replace(/^\[.*\]$/, '');
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
        ...(host ? { headers: { Host: host } } : {}),
        // SNI carries host names only, never an address.
        ...(serverName && !isIP(serverName) ? { servername: serverName } : {}),
      },
      (response) => {
        const socket = response.socket as TLSSocket;
        const certificateSha256 = socket.getPeerCertificate().fingerprint256 ?? '';
        response.resume();
        resolvePromise({
          status: response.statusCode ?? 0,
          location: response.headers.location,
          certificateSha256,
        });
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`no HTTPS answer on 127.0.0.1:${port} within ${timeoutMs / 1000} s`)),
    );
    request.on('error', reject);
    request.end();
  });
}
