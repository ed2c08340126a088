import { describe, expect, test } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import {
  FleetError,
  fleetHosts,
  hostKeysFor,
  manageFleet,
  parseHostEntry,
  runManage,
  type FleetDeps,
} from '../../../shared/manage/fleet.js';
import type { ManageResult } from '../../../shared/manage/manage.js';
import type { ManageOptions } from '../../../shared/manage/options.js';
import { manageCommand } from '../../../shared/options/commands.js';
import { resolveOptions } from '../../../shared/options/resolve.js';
import { HostKeyMismatchError, SshConnectionError } from '../../../shared/ssh/errors.js';
import { RecordingReporter } from '../../support/recording-reporter.js';
import { tempDir } from '../recipe/helpers.js';

function options(extra: Record<string, string>): ManageOptions {
  return resolveOptions(manageCommand, {
    explicit: { 'ssh-key': 'k', 'host-keys': 'ssh-ed25519 AAAA', tasks: 'run', script: 'true', ...extra },
    explicitKind: 'input',
    env: {},
  }).values;
}

/** A host runner that records what ran, how many at once, and fails the hosts it is told to. */
function fakeRunner(failures: Record<string, Error> = {}, delayMs = 20) {
  let running = 0;
  const seen = { started: [] as string[], options: [] as ManageOptions[], mostAtOnce: 0 };
  const runHost: NonNullable<FleetDeps['runHost']> = async (hostOptions, reporter) => {
    const name = `${hostOptions.host}:${hostOptions.port}`;
    seen.started.push(name);
    seen.options.push(hostOptions);
    running += 1;
    seen.mostAtOnce = Math.max(seen.mostAtOnce, running);
    try {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      reporter.info('task done');
      const failure = failures[name];
      if (failure) throw failure;
      return { changed: { run: [`ran on ${name}`] }, stdout: name } satisfies ManageResult;
    } finally {
      running -= 1;
    }
  };
  return { runHost, seen };
}

const HOSTS = 'a.example:22,b.example:2222,[2001:db8::1]:22,d.example,e.example,f.example';

describe('the host list', () => {
  test('host, host:port, [v6]:port and a bare IPv6 address; the port defaults to port', () => {
    expect(parseHostEntry('a.example', 2200)).toEqual({
      host: 'a.example',
      port: 2200,
      name: 'a.example:2200',
    });
    expect(parseHostEntry('a.example:2222', 22).port).toBe(2222);
    expect(parseHostEntry('[2001:db8::1]:2222', 22)).toEqual({
      host: '2001:db8::1',
      port: 2222,
      name: '[2001:db8::1]:2222',
    });
    expect(parseHostEntry('2001:db8::1', 22)).toMatchObject({ host: '2001:db8::1', port: 22 });
    expect(() => parseHostEntry('a.example:99999', 22)).toThrow(
      "Option 'hosts': 'a.example:99999' has no valid port",
    );
  });

  test('hosts and hosts-file add up; comments and blank lines are skipped; a host twice is refused', () => {
    const dir = tempDir('fleet-hosts');
    const file = join(dir, 'hosts');
    writeFileSync(file, '# production\nc.example:2022\n\nd.example # staging\n');
    const hosts = fleetHosts(options({ hosts: 'a.example\nb.example', 'hosts-file': file }));
    expect(hosts?.map((h) => h.name)).toEqual([
      'a.example:22',
      'b.example:22',
      'c.example:2022',
      'd.example:22',
    ]);
    expect(fleetHosts(options({ host: 'a.example' }))).toBeUndefined();
    expect(() => fleetHosts(options({ hosts: 'a.example,a.example:22' }))).toThrow(
      'a.example:22 is listed twice',
    );
    expect(() => fleetHosts(options({ hosts: 'a.example', host: 'b.example' }))).toThrow(
      "Set either 'host' (one server) or 'hosts'/'hosts-file' (several), not both.",
    );
    expect(() => fleetHosts(options({ 'hosts-file': join(dir, 'missing') }))).toThrow(
      /^Option 'hosts-file': cannot read/,
    );
  });

  test('an entry that is no host is refused by the option itself', () => {
    expect(() => options({ hosts: 'a.example,bad host' })).toThrow(/^Invalid input 'hosts'.*item 2/);
  });
});

describe('host-keys for several hosts', () => {
  const a = parseHostEntry('a.example', 22);
  const b = parseHostEntry('b.example:2222', 22);
  test('a YAML or JSON mapping gives each host its own keys, by host:port or host', () => {
    const yaml =
      'a.example: ssh-ed25519 AAAAa\nb.example:2222:\n  - ssh-ed25519 AAAAb\n  - ecdsa-sha2-nistp256 AAAAc\n';
    expect(hostKeysFor(yaml, a)).toBe('ssh-ed25519 AAAAa');
    expect(hostKeysFor(yaml, b)).toBe('ssh-ed25519 AAAAb\necdsa-sha2-nistp256 AAAAc');
    expect(hostKeysFor('{"a.example:22": "ssh-ed25519 AAAAj"}', a)).toBe('ssh-ed25519 AAAAj');
    // A host the mapping leaves out gets no keys: it fails its own verification, not the others'.
    expect(hostKeysFor(yaml, parseHostEntry('c.example', 22))).toBe('');
  });

  test('plain key lines apply to every host as they are', () => {
    expect(hostKeysFor('ssh-ed25519 AAAA comment: with colon', a)).toBe(
      'ssh-ed25519 AAAA comment: with colon',
    );
    expect(hostKeysFor(undefined, a)).toBeUndefined();
  });
});

describe('manageFleet', () => {
  test('every host is tried, max-parallel at a time; the failures are named and do not stop the others', async () => {
    const { runHost, seen } = fakeRunner({
      'b.example:2222': new SshConnectionError('b.example:2222', 3, new Error('connect ECONNREFUSED')),
      'd.example:22': new HostKeyMismatchError('ssh-ed25519', 'SHA256:x', 'the key is not pinned'),
    });
    const reporter = new RecordingReporter();
    let reported: unknown;
    const run = manageFleet(
      options({ hosts: HOSTS, 'max-parallel': '2' }),
      fleetHosts(options({ hosts: HOSTS }))!,
      reporter,
      { runHost, onFleetResult: (result) => (reported = result) },
    );
    await expect(run).rejects.toThrow(
      new FleetError(
        '2 of 6 hosts failed: b.example:2222 (unreachable), d.example:22 (host-key-mismatch).',
        [],
      ),
    );
    expect(seen.started).toHaveLength(6);
    expect(seen.mostAtOnce).toBe(2);
    const results = (reported as { results: { host: string; outcome: string; changed: object }[] }).results;
    expect(results.map((r) => [r.host, r.outcome])).toEqual([
      ['a.example:22', 'ok'],
      ['b.example:2222', 'unreachable'],
      ['[2001:db8::1]:22', 'ok'],
      ['d.example:22', 'host-key-mismatch'],
      ['e.example:22', 'ok'],
      ['f.example:22', 'ok'],
    ]);
    expect(results[0]).toMatchObject({ changed: { run: ['ran on a.example:22'] }, stdout: 'a.example:22' });
    // Each host's lines say whose they are.
    expect(reporter.lines).toContain('info: [e.example:22] task done');
    expect(
      reporter.lines.some((l) => l.startsWith('error: [b.example:2222] unreachable: Could not connect')),
    ).toBe(true);
  });

  test('fail-fast starts no further host after a failure; the others are reported as skipped', async () => {
    const { runHost, seen } = fakeRunner({ 'a.example:22': new Error('script failed') });
    const reporter = new RecordingReporter();
    const error = await manageFleet(
      options({ hosts: HOSTS, 'max-parallel': '1', 'fail-fast': 'true' }),
      fleetHosts(options({ hosts: HOSTS }))!,
      reporter,
      { runHost },
    ).then(
      () => {
        throw new Error('the fleet run succeeded');
      },
      (e: unknown) => e as FleetError,
    );
    expect(seen.started).toEqual(['a.example:22']);
    expect(error.message).toBe('1 of 6 hosts failed: a.example:22 (failed); 5 not started (fail-fast).');
    expect(error.results.filter((r) => r.outcome === 'skipped')).toHaveLength(5);
  });

  test('serial: N at a time, health added as the gate, the first failure ends the roll-out after its batch', async () => {
    const { runHost, seen } = fakeRunner({ 'b.example:2222': new Error('health: HTTPS answered 502') });
    const error = await manageFleet(
      options({ hosts: HOSTS, serial: '2', tasks: 'restart' }),
      fleetHosts(options({ hosts: HOSTS }))!,
      new RecordingReporter(),
      { runHost },
    ).then(
      () => {
        throw new Error('the fleet run succeeded');
      },
      (e: unknown) => e as FleetError,
    );
    expect(seen.started).toEqual(['a.example:22', 'b.example:2222']);
    expect(seen.options[0]!.tasks).toEqual(['restart', 'health']);
    expect(error.message).toBe(
      '1 of 6 hosts failed: b.example:2222 (failed); 4 not started (serial stops at the first failure).',
    );
  });

  test('a problem with the options of any host stops the run before the first connection', async () => {
    const { runHost, seen } = fakeRunner();
    await expect(
      runManage(options({ hosts: 'a.example,b.example', tasks: 'update-redis' }), new RecordingReporter(), {
        runHost,
      }),
    ).rejects.toThrow(ConfigurationError);
    expect(seen.started).toEqual([]);
  });

  test('each host gets its keys from a host-keys mapping, and a backup artifact name of its own', async () => {
    const { runHost, seen } = fakeRunner();
    await runManage(
      options({
        hosts: 'a.example,b.example',
        'host-keys': '{"a.example": "ssh-ed25519 AAAAa", "b.example:22": "ssh-ed25519 AAAAb"}',
      }),
      new RecordingReporter(),
      { runHost },
    );
    expect(seen.options.map((o) => [o.hostKeys, o.backupArtifactName])).toEqual([
      ['ssh-ed25519 AAAAa', 'indico-backup-a.example-22'],
      ['ssh-ed25519 AAAAb', 'indico-backup-b.example-22'],
    ]);
  });

  test('without hosts it is the one-host run of host', async () => {
    const { runHost, seen } = fakeRunner();
    const result = await runManage(options({ host: 'a.example' }), new RecordingReporter(), { runHost });
    expect(seen.started).toEqual(['a.example:22']);
    expect(result).toEqual({ changed: { run: ['ran on a.example:22'] }, stdout: 'a.example:22' });
  });
});
