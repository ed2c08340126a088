// Uploads a 1 GiB image to the loopback Glance three ways (indicovm's client, the openstack CLI and
// curl -T), each as a child process under GNU time for wall time and peak RSS, first over the host's
// loopback and then through a link shaped to 100 MB/s (limited-link.ts), then ours again with a 4 GiB
// image: a streaming upload's memory must not grow with the image. `npm run bench:upload`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenStackSession } from '../../shared/openstack/auth.js';
import { Glance } from '../../shared/openstack/glance.js';
import { TerminalReporter } from '../../shared/report/terminal.js';
import { ensureOpenStack, passwordAuth } from '../../test/support/openstack.js';
import { openLimitedLink } from './limited-link.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const GIB = 1024 ** 3;
const OPENSTACK = '/usr/bin/openstack';
const GNU_TIME = '/usr/bin/time';

interface Measurement {
  readonly tool: string;
  /** How the client reached Glance: the host's loopback, or the namespace with the shaped link. */
  readonly link: string;
  readonly sizeBytes: number;
  readonly wallSeconds: number;
  readonly peakRssMiB: number;
  readonly mibPerSecond: number;
  readonly imageId: string;
  readonly hashVerified: boolean;
}

const OURS = 'indicovm (bundled client)';
const CLI = 'openstack image create --file';
const CURL = 'curl -T (PUT only)';
const LOOPBACK = 'loopback';
/** tc's notation: 800 Mbit/s is 100 MB/s, the link of issue 14. */
const LINK_RATE = process.env.BENCH_LINK_RATE ?? '800mbit';
const LIMITED = `tc ${LINK_RATE}`;

/** argv as it is run: directly, or inside the limited link's namespace. */
type Route = { readonly link: string; readonly wrap: (argv: string[]) => string[] };
const direct: Route = { link: LOOPBACK, wrap: (argv) => argv };

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

async function check(
  tool: string,
  route: Route,
  size: number,
  id: string,
  sha: string,
  run: { wall: number; rssKiB: number },
) {
  const { wall, rssKiB } = run;
  const image = await glance.waitActive(id, { pollMs: 200, timeoutMs: 10 * 60_000 });
  results.push({
    tool,
    link: route.link,
    sizeBytes: size,
    wallSeconds: Number(wall.toFixed(2)),
    peakRssMiB: Number((rssKiB / 1024).toFixed(1)),
    mibPerSecond: Number((size / 1024 / 1024 / wall).toFixed(1)),
    imageId: id,
    hashVerified: image.os_hash_value === sha && image.size === size,
  });
  await glance.deleteIfExists(id);
  process.stderr.write(
    `${tool} ${size / GIB} GiB over ${route.link}: ${wall.toFixed(1)} s, ${(rssKiB / 1024).toFixed(0)} MiB\n`,
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

function ours(file: string, size: number, sha: string, route: Route) {
  uploadOne ??= bundleUploadOne();
  const run = timed(route.wrap([process.execPath, uploadOne, file, `bench-ours-${stamp}`]), osEnv);
  const { id } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { id: string };
  return check(OURS, route, size, id, sha, run);
}

function openstackCli(file: string, sha: string, route: Route) {
  const run = timed(
    route.wrap([
      OPENSTACK,
      'image',
      'create',
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      '--file',
      file,
      '-f',
      'value',
      '-c',
      'id',
      `bench-cli-${stamp}`,
    ]),
    osEnv,
  );
  return check(CLI, route, GIB, run.stdout.trim(), sha, run);
}

/** The image is created through the API first: only the PUT is measured, as curl does only that. */
async function curlPut(file: string, sha: string, route: Route) {
  const { image } = await glance.create({ name: `bench-curl-${stamp}`, diskFormat: 'raw' });
  const headers = join(dir, 'headers');
  writeFileSync(
    headers,
    `X-Auth-Token: ${(await session.token()).reveal()}\nContent-Type: application/octet-stream\n`,
    { mode: 0o600 },
  );
  try {
    const url = `${facts.endpoints.image}/v2/images/${image.id}/file`;
    const run = timed(route.wrap(['curl', '-sS', '-f', '-T', file, '-H', `@${headers}`, url]), osEnv);
    await check(CURL, route, GIB, image.id, sha, run);
  } finally {
    rmSync(headers);
  }
}

const portOf = (url: string): number => Number(new URL(url).port);

try {
  const one = makeImage(dir, GIB);
  const sha1 = sha512Of(one);
  await ours(one, GIB, sha1, direct);
  await openstackCli(one, sha1, direct);
  await curlPut(one, sha1, direct);

  // Through the shaped link the wire, not the client's CPU, should set the pace.
  const link = await openLimitedLink(LINK_RATE, [portOf(facts.authUrl), portOf(facts.endpoints.image)], dir);
  try {
    const limited: Route = { link: LIMITED, wrap: link.inside };
    await ours(one, GIB, sha1, limited);
    await openstackCli(one, sha1, limited);
    await curlPut(one, sha1, limited);
  } finally {
    link.close();
  }
  rmSync(one);

  const four = makeImage(dir, 4 * GIB);
  await ours(four, 4 * GIB, sha512Of(four), direct);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const resultsDir = join(REPO, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const out = join(resultsDir, `upload-${stamp}.json`);
writeFileSync(
  out,
  JSON.stringify(
    { when: new Date().toISOString(), glance: facts.endpoints.image, linkRate: LINK_RATE, results },
    null,
    2,
  ),
);

const rows = results.map((r) => [
  r.tool,
  r.link,
  `${r.sizeBytes / GIB} GiB`,
  r.wallSeconds.toFixed(1),
  r.mibPerSecond.toFixed(0),
  r.peakRssMiB.toFixed(0),
  r.hashVerified ? 'yes' : 'NO',
]);
const header = ['tool', 'link', 'image', 'wall s', 'MiB/s', 'peak RSS MiB', 'SHA-512 equal'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
const wallOf = (tool: string, link: string, size = GIB) =>
  results.find((r) => r.tool === tool && r.link === link && r.sizeBytes === size)?.wallSeconds ?? NaN;
const ratio = (link: string, peer: string) => (wallOf(OURS, link) / wallOf(peer, link)).toFixed(2);
const ratios = [LOOPBACK, LIMITED].flatMap((link) => [
  `indicovm / curl -T at 1 GiB over ${link}: ${ratio(link, CURL)} (target ≤ 1.10)`,
  `indicovm / openstack CLI at 1 GiB over ${link}: ${ratio(link, CLI)}`,
]);
ratios.push(
  `indicovm peak RSS over loopback, 1 GiB → 4 GiB: ${results
    .filter((r) => r.tool === OURS && r.link === LOOPBACK)
    .map((r) => r.peakRssMiB.toFixed(0))
    .join(' → ')} MiB (target ≤ 80, flat)`,
);
process.stdout.write(
  [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n') +
    `\n\n${ratios.join('\n')}\n\n${out}\n`,
);
