/**
 * Waiting for cloud-init to finish in a booted guest. cloud-init writes result.json when its last stage
 * ends; a shell loop sees that file at once, where `cloud-init status --wait` first has to start Python
 * and import cloud-init, which takes seconds under emulation after cloud-init itself is done. The
 * outcome is read from the files `cloud-init status` reads (result.json, status.json). A guest whose
 * generator did not enable cloud-init gets `cloud-init status --wait --long`, which knows every
 * other state.
 */
import { CommandError } from '../errors.js';
import { consoleDetail } from '../qemu/serial.js';
import { withProgress } from '../report/progress.js';
import type { Reporter } from '../report/reporter.js';
import { quote } from '../shell/quote.js';
import type { SshSession } from '../ssh/index.js';

const CLOUD_INIT_TIMEOUT_MS = 15 * 60_000;
const RESULT_MARK = 'indicovm-cloud-init: result';
const STATUS_MARK = 'indicovm-cloud-init: status';

/** Prints the two JSON files after their marks once result.json exists; otherwise cloud-init's own wait. */
export const cloudInitWaitScript = (runDir = '/run/cloud-init'): string => `set -u
run=${quote(runDir)}
[ -e "$run/enabled" ] || exec cloud-init status --wait --long
until [ -e "$run/result.json" ]; do sleep 0.2; done
printf '%s\\n' '${RESULT_MARK}'; cat "$run/result.json"
printf '\\n%s\\n' '${STATUS_MARK}'; cat "$run/status.json" 2>/dev/null || printf '{}'
`;

/** What the run of cloud-init left: errors fail the build, recoverable errors are warned about. */
export interface CloudInitOutcome {
  readonly errors: readonly string[];
  readonly recoverable: readonly string[];
}

interface StageRecord {
  readonly errors?: unknown;
  readonly recoverable_errors?: unknown;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))) : [];

/** recoverable_errors (cloud-init >= 23.4) is {LEVEL: [message, ...]}. */
const recoverableOf = (value: unknown): string[] =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Object.entries(value).flatMap(([level, messages]) => strings(messages).map((m) => `${level}: ${m}`))
    : [];

const v1Of = (json: string): Record<string, unknown> => {
  const parsed = JSON.parse(json) as { v1?: unknown };
  return typeof parsed.v1 === 'object' && parsed.v1 !== null ? (parsed.v1 as Record<string, unknown>) : {};
};

/** The outcome from result.json and status.json, as `cloud-init status` judges it. */
export function cloudInitOutcome(resultJson: string, statusJson: string): CloudInitOutcome {
  const result = v1Of(resultJson);
  const stages = Object.values(v1Of(statusJson)).filter(
    (stage): stage is StageRecord => typeof stage === 'object' && stage !== null && !Array.isArray(stage),
  );
  return {
    errors: [...new Set([...strings(result.errors), ...stages.flatMap((stage) => strings(stage.errors))])],
    recoverable: [
      ...new Set([
        ...recoverableOf(result.recoverable_errors),
        ...stages.flatMap((stage) => recoverableOf(stage.recoverable_errors)),
      ]),
    ],
  };
}

/** Splits the wait script's output into the two files; undefined when cloud-init's own wait ran. */
export function splitWaitOutput(stdout: string): { result: string; status: string } | undefined {
  const start = stdout.indexOf(`${RESULT_MARK}\n`);
  const middle = stdout.indexOf(`\n${STATUS_MARK}\n`);
  if (start < 0 || middle < start) return undefined;
  return {
    result: stdout.slice(start + RESULT_MARK.length + 1, middle),
    status: stdout.slice(middle + STATUS_MARK.length + 2),
  };
}

export async function waitForCloudInit(
  session: SshSession,
  reporter: Reporter,
  serialLog?: string,
): Promise<void> {
  const progress = {
    label: 'Waiting for cloud-init',
    unit: 'time' as const,
    ...(serialLog !== undefined ? { detail: () => consoleDetail(serialLog) } : {}),
  };
  const output = await withProgress(reporter, progress, () =>
    session.exec(['sh', '-c', cloudInitWaitScript()], {
      allowFailure: true,
      timeoutMs: CLOUD_INIT_TIMEOUT_MS,
    }),
  );
  const files = output.code === 0 ? splitWaitOutput(output.stdout) : undefined;
  if (files === undefined) {
    judgeStatusCommand(output, reporter);
    return;
  }
  let outcome: CloudInitOutcome;
  try {
    outcome = cloudInitOutcome(files.result, files.status);
  } catch (error) {
    throw new CommandError(
      "reading cloud-init's result",
      null,
      output.stdout.slice(-4000),
      `result.json or status.json is not JSON (${(error as Error).message})`,
    );
  }
  if (outcome.errors.length > 0) {
    throw new CommandError('cloud-init', null, outcome.errors.join('\n').slice(-4000), 'it reported errors');
  }
  if (outcome.recoverable.length > 0) {
    reporter.warning(`cloud-init finished with recoverable errors:\n${outcome.recoverable.join('\n')}`);
  } else {
    reporter.relay('status: done');
  }
}

/** `cloud-init status --wait --long`: 0 done, 2 done with recoverable errors (>= 23.4), else failed. */
function judgeStatusCommand(
  result: { code: number | null; stdout: string; stderr: string },
  reporter: Reporter,
): void {
  if (result.code === 2) {
    reporter.warning(`cloud-init finished with recoverable errors:\n${result.stdout.trim()}`);
  } else if (result.code !== 0) {
    throw new CommandError(
      'cloud-init status --wait',
      result.code,
      `${result.stdout}${result.stderr}`.trim().slice(-4000),
    );
  } else {
    reporter.relay(
      result.stdout
        .trim()
        .split('\n')
        .find((line) => line.startsWith('status:')) ?? 'status: done',
    );
  }
}
