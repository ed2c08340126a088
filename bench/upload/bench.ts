// Uploads a 1 GiB image to the loopback Glance three ways (indicovm's client, the openstack CLI and
// curl -T), each as a child process under GNU time for wall time and peak RSS, then ours again with a
// 4 GiB image: a streaming upload's memory must not grow with the image. `npm run bench:upload`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenStackSession } from '../../shared/openstack/auth.js';
import { Glance } from '../../shared/openstack/glance.js';
import { TerminalReporter } from '../../shared/report/terminal.js';
import { ensureOpenStack, passwordAuth } from '../../test/support/openstack.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const GIB = 1024 ** 3;
const OPENSTACK = '/usr/bin/openstack';
const GNU_TIME = '/usr/bin/time';

interface Measurement {
  readonly tool: string;
  readonly sizeBytes: number;
  readonly wallSeconds: number;
  readonly peakRssMiB: number;
  readonly mibPerSecond: number;
  readonly imageId: string;
  readonly hashVerified: boolean;
}

/** A sparse raw file of `size` bytes with 64 MiB of random data at four places, so it is not all zeros. */
function makeImage(dir: string, size: number): string {
  const file = join(dir, `bench-${size / GIB}g.raw`);
  execFileSync('truncate', ['-s', String(size), file]);
  for (const at of [0, 0.25, 0.5, 0.75]) {
    const seekMiB = Math.floor((size * at) / (1024 * 1024));
    execFileSync('dd', [
      'if=/dev/urandom',
      `of=${file}`,
      'bs=1M',
      'count=16',
      `seek=${seekMiB}`,
      'conv=notrunc',
      'status=none',
    ]);
  }
  return file;
}

/** Runs argv under `time -v`; returns wall seconds and the peak RSS GNU time reports. */
function timed(argv: string[], env: NodeJS.ProcessEnv): { wall: number; rssKiB: number; stdout: string } {
  const started = process.hrtime.bigint();
  const result = spawnSync(GNU_TIME, ['-v', ...argv], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(
      `${argv.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr.slice(-3000)}`,
    );
  }
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr);
  if (!rss) throw new Error(`no peak RSS in the output of time -v:\n${result.stderr}`);
  return { wall, rssKiB: Number(rss[1]), stdout: result.stdout };
}

function sha512Of(file: string): string {
  return execFileSync('sha512sum', [file], { encoding: 'utf8' }).split(' ')[0]!;
}

const facts = await ensureOpenStack();
const user = facts.users.demo;
const osEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  OS_AUTH_URL: facts.authUrl,
  OS_IDENTITY_API_VERSION: '3',
  OS_USERNAME: user.username,
  OS_PASSWORD: user.password,
  OS_PROJECT_NAME: user.projectName,
  OS_USER_DOMAIN_NAME: user.userDomainName,
  OS_PROJECT_DOMAIN_NAME: user.projectDomainName,
  OS_REGION_NAME: facts.region,
  OS_INTERFACE: 'public',
};
const reporter = new TerminalReporter();
const session = await OpenStackSession.open(passwordAuth(facts, user), {
  reporter,
  cloudsYaml: { env: {}, cwd: process.cwd() },
});
const glance = new Glance(session);
const dir = mkdtempSync(join(tmpdir(), 'bench-upload-'));
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const results: Measurement[] = [];

async function check(tool: string, size: number, id: string, sha: string, wall: number, rssKiB: number) {
  const image = await glance.waitActive(id, { pollMs: 200, timeoutMs: 10 * 60_000 });
  results.push({
    tool,
    sizeBytes: size,
    wallSeconds: Number(wall.toFixed(2)),
    peakRssMiB: Number((rssKiB / 1024).toFixed(1)),
    mibPerSecond: Number((size / 1024 / 1024 / wall).toFixed(1)),
    imageId: id,
    hashVerified: image.os_hash_value === sha && image.size === size,
  });
  await glance.deleteIfExists(id);
  process.stderr.write(
    `${tool} ${size / GIB} GiB: ${wall.toFixed(1)} s, ${(rssKiB / 1024).toFixed(0)} MiB\n`,
  );
}

/**
 * upload-one.ts bundled as the actions are (ncc, minified), so that the peak RSS is the bundled
 * client's and not tsx's, which alone adds about 40 MiB.
 */
function bundleUploadOne(): string {
  const out = join(dir, 'upload-one');
  execFileSync(
    'npx',
    [
      'ncc',
      'build',
      join(REPO, 'bench/upload/upload-one.ts'),
      '-o',
      out,
      '--quiet',
      '--minify',
      '--target',
      'es2022',
    ],
    {
      cwd: REPO,
      stdio: 'inherit',
    },
  );
  return join(out, 'index.js');
}

let uploadOne: string | undefined;

function ours(file: string, size: number, sha: string) {
  uploadOne ??= bundleUploadOne();
  const run = timed([process.execPath, uploadOne, file, `bench-ours-${stamp}`], osEnv);
  const { id } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { id: string };
  return check('indicovm (Glance client)', size, id, sha, run.wall, run.rssKiB);
}

try {
  const one = makeImage(dir, GIB);
  const sha1 = sha512Of(one);
  await ours(one, GIB, sha1);

  const cli = timed(
    [
      OPENSTACK,
      'image',
      'create',
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '--file',
      one,
      '-f',
      'value',
      '-c',
      'id',
      `bench-cli-${stamp}`,
    ],
    osEnv,
  );
  await check('openstack image create --file', GIB, cli.stdout.trim(), sha1, cli.wall, cli.rssKiB);

  // curl: the image is created through the API first; only the PUT is measured, as curl does only that.
  const { image } = await glance.create({ name: `bench-curl-${stamp}`, diskFormat: 'raw' });
  const headers = join(dir, 'headers');
  writeFileSync(
    headers,
    `X-Auth-Token: ${(await session.token()).reveal()}\nContent-Type: application/octet-stream\n`,
    {
      mode: 0o600,
    },
  );
  const curl = timed(
    [
      'curl',
      '-sS',
      '-f',
      '-T',
      one,
      '-H',
      `@${headers}`,
      `${facts.endpoints.image}/v2/images/${image.id}/file`,
    ],
    osEnv,
  );
  rmSync(headers);
  await check('curl -T (PUT only)', GIB, image.id, sha1, curl.wall, curl.rssKiB);
  rmSync(one);

  const four = makeImage(dir, 4 * GIB);
  await ours(four, 4 * GIB, sha512Of(four));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const resultsDir = join(REPO, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const out = join(resultsDir, `upload-${stamp}.json`);
writeFileSync(
  out,
  JSON.stringify({ when: new Date().toISOString(), glance: facts.endpoints.image, results }, null, 2),
);

const rows = results.map((r) => [
  r.tool,
  `${r.sizeBytes / GIB} GiB`,
  r.wallSeconds.toFixed(1),
  r.mibPerSecond.toFixed(0),
  r.peakRssMiB.toFixed(0),
  r.hashVerified ? 'yes' : 'NO',
]);
const header = ['tool', 'image', 'wall s', 'MiB/s', 'peak RSS MiB', 'SHA-512 equal'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
const wallOf = (tool: string, size = GIB) =>
  results.find((r) => r.tool === tool && r.sizeBytes === size)?.wallSeconds ?? NaN;
const oursAt1 = wallOf('indicovm (Glance client)');
const ratios = [
  `indicovm / curl -T at 1 GiB: ${(oursAt1 / wallOf('curl -T (PUT only)')).toFixed(2)} (target ≤ 1.10)`,
  `indicovm / openstack CLI at 1 GiB: ${(oursAt1 / wallOf('openstack image create --file')).toFixed(2)}`,
  `indicovm peak RSS 1 GiB → 4 GiB: ${results
    .filter((r) => r.tool === 'indicovm (Glance client)')
    .map((r) => r.peakRssMiB.toFixed(0))
    .join(' → ')} MiB (target ≤ 80, flat)`,
];
process.stdout.write(
  [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n') +
    `\n\n${ratios.join('\n')}\n\n${out}\n`,
);
