/**
 * Cold start: how long each committed bundle takes from `node <bundle>` to its first line of output,
 * beside the floor every Node program pays (`node -e` printing one line) in the same run. Each bundle
 * runs with no inputs, so its first line is what a real run prints first (a step-state command or the
 * error naming the missing inputs) and it exits without touching anything. Rounds alternate between
 * the programs so that a busy moment of the machine does not fall on one of them only.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const TARGET_MS = 150;

interface Program {
  readonly name: string;
  readonly args: readonly string[];
}

const PROGRAMS: readonly Program[] = [
  { name: 'node -e (floor)', args: ['-e', 'console.log("ready")'] },
  { name: 'action-build-image', args: ['action-build-image/dist/index.js'] },
  { name: 'action-deploy', args: ['action-deploy/dist/index.js'] },
  { name: 'action-manage', args: ['action-manage/dist/index.js'] },
  { name: 'indicovm --help (CLI)', args: ['cli/dist/index.js', '--help'] },
];

/** Milliseconds from spawn to the first byte on stdout or stderr; the process is then left to finish. */
function firstOutput(program: Program, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // A clean environment: no INPUT_* from the caller, a workspace of its own for what a step writes.
    const child = spawn(
      process.execPath,
      program.args.map((arg) => (arg.endsWith('.js') ? join(ROOT, arg) : arg)),
      {
        cwd,
        env: { PATH: process.env.PATH ?? '', HOME: cwd, RUNNER_TEMP: cwd, GITHUB_WORKSPACE: cwd },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let first: number | undefined;
    const seen = () => {
      first ??= Number(process.hrtime.bigint() - started) / 1e6;
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('error', reject);
    child.on('close', () =>
      first === undefined ? reject(new Error(`${program.name} printed nothing`)) : resolve(first),
    );
  });
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const ROOT = process.cwd();
const scratch = mkdtempSync(join(tmpdir(), 'indicovm-bench-start-'));
try {
  const times = new Map<string, number[]>(PROGRAMS.map((program) => [program.name, []]));
  const load = loadavg()[0]!;
  for (const program of PROGRAMS) await firstOutput(program, scratch); // warm the page cache
  for (let round = 0; round < ROUNDS; round++) {
    for (const program of PROGRAMS) times.get(program.name)!.push(await firstOutput(program, scratch));
  }
  const floor = median(times.get(PROGRAMS[0]!.name)!);
  console.log(
    `Cold start to the first line, median of ${ROUNDS} rounds (${cpus().length} cores, load ${load.toFixed(2)}, node ${process.version})`,
  );
  console.log('| program | first line ms | min ms | × node -e | target |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  const rows = PROGRAMS.map((program) => {
    const xs = times.get(program.name)!;
    const m = median(xs);
    const row = { name: program.name, medianMs: m, minMs: Math.min(...xs), ratio: m / floor };
    const target =
      program === PROGRAMS[0] ? '' : m <= TARGET_MS ? `≤ ${TARGET_MS} ms: met` : `≤ ${TARGET_MS} ms: NOT met`;
    console.log(
      `| ${row.name} | ${m.toFixed(0)} | ${row.minMs.toFixed(0)} | ${row.ratio.toFixed(2)} | ${target} |`,
    );
    return row;
  });
  const results = join(ROOT, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  const when = new Date().toISOString();
  const file = join(results, `start-${when.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { when, rounds: ROUNDS, load, node: process.version, rows, times: Object.fromEntries(times) },
      null,
      2,
    ) + '\n',
  );
  console.log(`Wrote ${file}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
