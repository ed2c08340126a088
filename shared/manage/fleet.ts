/**
 * `manage` on several hosts: each host gets its own verified SSH connection (through one shared jump
 * host connection when proxy-host is set) and the same tasks, max-parallel at a time. A host that
 * cannot be reached, or whose host key does not match, fails alone: every other host is still tried
 * (unless fail-fast), and the run fails at the end naming the hosts that failed. With serial: N the
 * hosts go N at a time, each checked healthy before the next batch starts, and the first failure
 * stops the roll-out, as Ansible's serial with max_fail_percentage 0.
 *
 * Over 300 lines: the fleet's hosts (parsed from hosts/hosts-file with their own host keys), the
 * parallel and rolling runs over them, and their summary.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigurationError, errorMessage } from '../errors.js';
import { prefixedReporter } from '../report/prefixed.js';
import { formatDuration, type Reporter, type SummarySection } from '../report/reporter.js';
import { connect, sshConnectOptions, type SshSession } from '../ssh/index.js';
import { HostKeyMismatchError, SshConnectionError } from '../ssh/errors.js';
import { endpointName } from '../ssh/options.js';
import { checkManageOptions, manage, type ManageDeps, type ManageResult } from './manage.js';
import type { ManageOptions } from './options.js';
import {
  FleetError,
  type FleetHost,
  type FleetResult,
  type HostOutcome,
  type HostResult,
} from './fleet-result.js';

export { FleetError, type FleetHost, type FleetResult, type HostOutcome, type HostResult };

export interface FleetDeps extends ManageDeps {
  /** Adjusts one host's options before its run (the CLI adds ~/.ssh fall-backs for that host). */
  readonly forHost?: (options: ManageOptions, reporter: Reporter) => ManageOptions;
  /** Runs the tasks on one host; manage() unless a test says otherwise. */
  readonly runHost?: (options: ManageOptions, reporter: Reporter, deps: ManageDeps) => Promise<ManageResult>;
  /** Receives every host's result once all are done, also when some failed. */
  readonly onFleetResult?: (result: FleetResult) => void;
}

/** "host", "host:port", "[v6]:port" or a bare IPv6 address. */
export function parseHostEntry(entry: string, defaultPort: number): FleetHost {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  const colons = entry.split(':').length - 1;
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : colons === 1
      ? (entry.split(':') as [string, string])
      : [entry, undefined];
  const number = port === undefined ? defaultPort : Number(port);
  if (!Number.isInteger(number) || number < 1 || number > 65535) {
    throw new ConfigurationError(`Option 'hosts': '${entry}' has no valid port (1 to 65535).`);
  }
  return { host, port: number, name: endpointName({ host, port: number }) };
}

/** The hosts of a fleet run, or undefined for the one-host run of 'host'. */
export function fleetHosts(options: ManageOptions): FleetHost[] | undefined {
  const entries = [...options.hosts];
  if (options.hostsFile) {
    let text: string;
    try {
      text = readFileSync(options.hostsFile, 'utf8');
    } catch (error) {
      throw new ConfigurationError(
        `Option 'hosts-file': cannot read ${options.hostsFile} (${errorMessage(error)}).`,
      );
    }
    entries.push(
      ...text
        .split('\n')
        .map((line) => line.replace(/#.*/, '').trim())
        .filter(Boolean),
    );
  }
  if (entries.length === 0) return undefined;
  if (options.host) {
    throw new ConfigurationError(
      "Set either 'host' (one server) or 'hosts'/'hosts-file' (several), not both.",
    );
  }
  const hosts = entries.map((entry) => parseHostEntry(entry, options.port));
  const seen = new Set<string>();
  for (const host of hosts) {
    if (seen.has(host.name)) {
      throw new ConfigurationError(`Option 'hosts': ${host.name} is listed twice.`);
    }
    seen.add(host.name);
  }
  return hosts;
}

/**
 * host-keys for a fleet: a mapping (YAML or JSON) of host or host:port to that host's key lines.
 * Plain key lines (or known-hosts) apply to every host as they are.
 */
export function hostKeysFor(hostKeys: string | undefined, host: FleetHost): string | undefined {
  if (!hostKeys || !/^\s*(\{|["']?[^\s"':]+(:\d+)?["']?:\s)/.test(hostKeys)) return hostKeys;
  let mapping: unknown;
  try {
    mapping = parse(hostKeys, { schema: 'core', maxAliasCount: 0 });
  } catch (error) {
    throw new ConfigurationError(
      `Option 'host-keys' is neither key lines nor a host mapping: ${errorMessage(error)}`,
    );
  }
  if (mapping === null || typeof mapping !== 'object' || Array.isArray(mapping)) {
    throw new ConfigurationError(
      "Option 'host-keys': a mapping of host (or host:port) to key lines was expected.",
    );
  }
  const byHost = mapping as Record<string, unknown>;
  const keys = byHost[host.name] ?? byHost[`${host.host}:${host.port}`] ?? byHost[host.host];
  if (keys === undefined) return '';
  return Array.isArray(keys) ? keys.map(String).join('\n') : String(keys);
}

/** A safe artifact-name suffix for a host: letters, digits, . _ -. */
const artifactSuffix = (host: FleetHost) =>
  host.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '');

function outcomeOf(error: unknown): HostOutcome {
  if (error instanceof HostKeyMismatchError) return 'host-key-mismatch';
  if (error instanceof SshConnectionError) return 'unreachable';
  return 'failed';
}

/** The tasks one host runs: in rolling mode the health check is the gate to the next batch. */
function tasksFor(options: ManageOptions): string[] {
  const tasks = [...(options.tasks ?? [])];
  return options.serial > 0 && !tasks.includes('health') ? [...tasks, 'health'] : tasks;
}

export function fleetSummary(results: readonly HostResult[]): SummarySection {
  const failed = results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'skipped').length;
  return {
    heading: `indicovm manage: ${results.length} hosts, ${failed} failed`,
    tables: [
      {
        header: ['Host', 'Tasks', 'Changed', 'Status', 'Time'],
        rows: results.map((r) => [
          r.host,
          r.tasks.join(', '),
          Object.keys(r.changed).join(', ') || '-',
          r.error ? `${r.outcome}: ${r.error.split('\n')[0]}` : r.outcome,
          r.outcome === 'skipped' ? '-' : formatDuration(r.seconds * 1000),
        ]),
      },
    ],
  };
}

/** Runs `work` on every item, at most `limit` at a time, starting none once `stopped()` says so. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  stopped: () => boolean,
  work: (item: T) => Promise<void>,
  skip: (item: T) => void,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      if (stopped()) skip(item);
      else await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function manageFleet(
  options: ManageOptions,
  hosts: readonly FleetHost[],
  reporter: Reporter,
  deps: FleetDeps = {},
): Promise<FleetResult> {
  const tasks = tasksFor(options);
  // Every input problem for any host is found before the first connection.
  const prepared = hosts.map((host) => {
    const hostOptions: ManageOptions = {
      ...options,
      host: host.host,
      port: host.port,
      tasks: tasks as ManageOptions['tasks'],
      hostKeys: hostKeysFor(options.hostKeys, host),
      backupArtifactName: `${options.backupArtifactName}-${artifactSuffix(host)}`,
    };
    return {
      host,
      options: deps.forHost ? deps.forHost(hostOptions, prefixedReporter(reporter, host.name)) : hostOptions,
    };
  });
  prepared.forEach(({ options: hostOptions }) => checkManageOptions(hostOptions, deps));

  // One jump host connection for the whole fleet, verified once.
  let jump: SshSession | undefined;
  const jumpEndpoint = options.proxyHost
    ? sshConnectOptions({ ...options, host: hosts[0]!.host }, process.env.SSH_AUTH_SOCK).proxy
    : undefined;
  const results = new Map<string, HostResult>();
  const runHost = deps.runHost ?? manage;
  let stop = false;
  const rolling = options.serial > 0;
  try {
    if (jumpEndpoint) {
      jump = await connect(
        {
          ...jumpEndpoint,
          connectTimeoutMs: options.timeout * 1000,
          commandTimeoutMs: options.commandTimeout * 1000,
        },
        reporter,
      );
      reporter.info(`Connected to the jump host ${jump.where}; every host is reached through it.`);
    }
    const via = jump;
    const hostDeps: ManageDeps = {
      ...deps,
      ...(via ? { connect: (o, r) => (deps.connect ?? connect)({ ...o, proxy: undefined, via }, r) } : {}),
    };
    const batches = rolling
      ? Array.from({ length: Math.ceil(prepared.length / options.serial) }, (_, i) =>
          prepared.slice(i * options.serial, (i + 1) * options.serial),
        )
      : [prepared];
    for (const [index, batch] of batches.entries()) {
      if (rolling && !stop)
        reporter.info(`Batch ${index + 1} of ${batches.length}: ${batch.map((b) => b.host.name).join(', ')}`);
      await pool(
        batch,
        rolling ? options.serial : options.maxParallel,
        () => stop,
        async ({ host, options: hostOptions }) => {
          const started = Date.now();
          let partial: ManageResult | undefined;
          const log = prefixedReporter(reporter, host.name);
          try {
            const done = await runHost(hostOptions, log, { ...hostDeps, onResult: (r) => (partial = r) });
            results.set(host.name, {
              ...done,
              host: host.name,
              outcome: 'ok',
              tasks,
              seconds: (Date.now() - started) / 1000,
            });
          } catch (error) {
            const outcome = outcomeOf(error);
            log.error(`${outcome}: ${errorMessage(error)}`);
            results.set(host.name, {
              ...(partial ?? { changed: {} }),
              host: host.name,
              outcome,
              tasks,
              error: errorMessage(error),
              seconds: (Date.now() - started) / 1000,
            });
            if (options.failFast || rolling) stop = true;
          }
        },
        ({ host }) =>
          results.set(host.name, { host: host.name, outcome: 'skipped', tasks, changed: {}, seconds: 0 }),
      );
    }
  } finally {
    await jump?.close();
  }
  const ordered = prepared.map(
    ({ host }) =>
      results.get(host.name) ?? {
        host: host.name,
        outcome: 'skipped' as const,
        tasks,
        changed: {},
        seconds: 0,
      },
  );
  reporter.summary(fleetSummary(ordered));
  const result = { results: ordered };
  deps.onFleetResult?.(result);
  const failed = ordered.filter((r) => r.outcome !== 'ok' && r.outcome !== 'skipped');
  if (failed.length > 0) {
    const skipped = ordered.filter((r) => r.outcome === 'skipped').length;
    throw new FleetError(
      `${failed.length} of ${ordered.length} hosts failed: ${failed.map((r) => `${r.host} (${r.outcome})`).join(', ')}` +
        (skipped > 0
          ? `; ${skipped} not started (${rolling ? 'serial stops at the first failure' : 'fail-fast'})`
          : '') +
        '.',
      ordered,
    );
  }
  return result;
}

/** manage for one host or a fleet, whichever the options name. */
export async function runManage(
  options: ManageOptions,
  reporter: Reporter,
  deps: FleetDeps = {},
): Promise<ManageResult | FleetResult> {
  const hosts = fleetHosts(options);
  if (hosts) return manageFleet(options, hosts, reporter, deps);
  return (deps.runHost ?? manage)(deps.forHost ? deps.forHost(options, reporter) : options, reporter, deps);
}
