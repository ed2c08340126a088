// A real OpenSSH server for the SSH engine's tests: its own host keys, authorized_keys and config in a
// temporary directory, listening on 127.0.0.1 only. Started per test file; stop() (and, failing that,
// process exit) ends the listener and every connection process it forked.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SSHD_BINARY = '/usr/sbin/sshd';
/** A local account for password and sudo tests; created when absent, never removed (others may use it). */
export const TEST_USER = 'indicovm-test';

export interface ClientKey {
  /** Path of the private key file. */
  readonly path: string;
  /** Private key text. */
  readonly privateKey: string;
  /** The `type base64 comment` public key line. */
  readonly publicKey: string;
  readonly passphrase?: string;
}

export interface SshdOptions {
  /** Allow direct-tcpip forwarding (needed on a jump host and for local forwards). Default true. */
  readonly allowTcpForwarding?: boolean;
  /** Give TEST_USER passwordless sudo through a sudoers.d drop-in that stop() removes. */
  readonly sudoForTestUser?: boolean;
  /** Listen on this port instead of a free one (to test clients that start before the server). */
  readonly port?: number;
  /** More public key lines to trust besides the server's own client keys. */
  readonly extraAuthorizedKeys?: readonly string[];
}

export interface Sshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `ssh-ed25519 AAAA...` line of the ed25519 host key, as ssh-keyscan prints it (without the host). */
  readonly hostPublicKey: string;
  /** The ecdsa host key line: a second key the server offers only when asked for it. */
  readonly ecdsaHostPublicKey: string;
  /** SHA256 fingerprint of the ed25519 host key, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
  readonly dir: string;
  /** OpenSSH-format ed25519 key without passphrase. */
  readonly clientKey: ClientKey;
  /** OpenSSH-format ed25519 key with a passphrase. */
  readonly passphraseKey: ClientKey;
  /** PEM (PKCS#1) RSA key. */
  readonly pemKey: ClientKey;
  /** A key that is not in authorized_keys. */
  readonly strangerKey: ClientKey;
  readonly testUser: { readonly name: string; readonly password: string };
  /** Processes forked for connections (each is `sshd: user [priv]` and its children). */
  connectionPids(): Promise<number[]>;
  /** Kills the sshd process of every connection (commands they started run on), as a crash would. */
  dropConnections(): Promise<void>;
  /** Remote ports of the TCP connections that this server's connection processes hold (forwards). */
  tcpPeerPorts(): Promise<number[]>;
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<{ listenerPid: number; dir: string }>();
let exitHookInstalled = false;

/** Last resort when a test file forgets stop(): kill listeners and their children synchronously. */
function installExitHook(): void {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const { listenerPid } of running) {
      for (const pid of [...descendantsSync(listenerPid), listenerPid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  });
}

function parentOf(stat: string): number | undefined {
  // The command name (field 2) may contain spaces and parentheses: fields after the last ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isFinite(ppid) ? ppid : undefined;
}

function descendantsFrom(table: Map<number, number>, root: number): number[] {
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [pid, ppid] of table) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

function descendantsSync(root: number): number[] {
  const table = new Map<number, number>();
  for (const entry of readdirSyncSafe('/proc')) {
    if (/^\d+$/.test(entry)) {
      try {
        const ppid = parentOf(readFileSync(`/proc/${entry}/stat`, 'utf8'));
        if (ppid !== undefined) {
          table.set(Number(entry), ppid);
        }
      } catch {
        // The process ended while being read.
      }
    }
  }
  return descendantsFrom(table, root);
}

function readdirSyncSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

async function processTable(): Promise<Map<number, number>> {
  const table = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (/^\d+$/.test(entry)) {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
      const ppid = stat === undefined ? undefined : parentOf(stat);
      if (ppid !== undefined) {
        table.set(Number(entry), ppid);
      }
    }
  }
  return table;
}

async function descendants(root: number): Promise<number[]> {
  return descendantsFrom(await processTable(), root);
}

/**
 * Kills every process below root, leaves first, so that each one's parent is still alive to reap it
 * (orphans would be left as zombies for init).
 */
async function killTree(root: number): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const table = await processTable();
    const below = descendantsFrom(table, root);
    if (below.length === 0) {
      return;
    }
    const parents = new Set(below.map((pid) => table.get(pid)));
    for (const pid of below.filter((pid) => !parents.has(pid))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(50);
  }
}

/** Kills the sshd processes of every connection (not the commands they run), as a server crash would. */
async function killConnectionProcesses(root: number): Promise<void> {
  for (const pid of await descendants(root)) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat.includes('(sshd)')) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

/** Inodes of the sockets a process has open. */
async function socketInodes(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match?.[1]) {
      inodes.add(match[1]);
    }
  }
  return inodes;
}

/** Remote ports of the IPv4 TCP connections held by the given processes. */
async function tcpPeerPorts(pids: readonly number[]): Promise<number[]> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    for (const inode of await socketInodes(pid)) {
      inodes.add(inode);
    }
  }
  const table = await readFile('/proc/net/tcp', 'utf8');
  const ports: number[] = [];
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const remote = fields[2];
    const inode = fields[9];
    if (remote && inode && inodes.has(inode)) {
      ports.push(parseInt(remote.split(':')[1] ?? '0', 16));
    }
  }
  return ports;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error('no TCP address for a free port');
  }
  return address.port;
}

async function makeKey(dir: string, name: string, args: string[], passphrase = ''): Promise<ClientKey> {
  const path = join(dir, name);
  await run('ssh-keygen', ['-q', ...args, '-N', passphrase, '-C', `${name}@indicovm-test`, '-f', path]);
  return {
    path,
    privateKey: await readFile(path, 'utf8'),
    publicKey: (await readFile(`${path}.pub`, 'utf8')).trim(),
    ...(passphrase ? { passphrase } : {}),
  };
}

/**
 * One password for TEST_USER on this machine, kept in a private file: test files run in parallel, and
 * each setting a password of its own would lock the others out.
 */
async function testUserPassword(): Promise<string> {
  const dir = process.env.INDICOVM_CACHE_DIR ?? join(homedir(), '.cache', 'indicovm');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'sshd-test-user-password');
  const candidate = join(dir, `.sshd-test-user-password-${randomBytes(6).toString('hex')}`);
  await writeFile(candidate, `pw-${randomBytes(12).toString('hex')}`, { mode: 0o600 });
  // link() does not replace an existing file: the first writer wins, whole.
  await link(candidate, path).catch(() => undefined);
  await rm(candidate, { force: true });
  return (await readFile(path, 'utf8')).trim();
}

async function ensureTestUser(password: string): Promise<void> {
  const exists = await run('getent', ['passwd', TEST_USER]).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await run('useradd', ['--create-home', '--shell', '/bin/sh', TEST_USER]).catch(async (error: unknown) => {
      // Another test file may have created it at the same moment.
      if (
        !(await run('getent', ['passwd', TEST_USER]).then(
          () => true,
          () => false,
        ))
      ) {
        throw error;
      }
    });
  }
  const child = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'inherit'] });
  child.stdin.end(`${TEST_USER}:${password}\n`);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) {
    throw new Error(`chpasswd for ${TEST_USER} failed with ${code}`);
  }
}

async function waitForBanner(port: number, child: ChildProcess, logText: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd exited early (${child.exitCode ?? child.signalCode}):\n${logText()}`);
    }
    const banner = await new Promise<string>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1');
      let data = '';
      socket.setTimeout(1000, () => socket.destroy());
      socket.on('data', (chunk) => {
        data += chunk.toString('latin1');
        socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(data));
    });
    if (banner.startsWith('SSH-2.0-')) {
      return;
    }
    await sleep(100);
  }
  throw new Error(`sshd on port ${port} did not answer within 15 s:\n${logText()}`);
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'indicovm-sshd-'));
  // sshd refuses to start without its privilege separation directory.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  await run('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'host-ed25519',
    '-f',
    join(dir, 'host_ed25519'),
  ]);
  await run('ssh-keygen', [
    '-q',
    '-t',
    'ecdsa',
    '-b',
    '256',
    '-N',
    '',
    '-C',
    'host-ecdsa',
    '-f',
    join(dir, 'host_ecdsa'),
  ]);
  const [clientKey, passphraseKey, pemKey, strangerKey] = await Promise.all([
    makeKey(dir, 'client_ed25519', ['-t', 'ed25519']),
    makeKey(dir, 'client_passphrase', ['-t', 'ed25519'], `pass ${randomBytes(6).toString('hex')}`),
    makeKey(dir, 'client_rsa_pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM']),
    makeKey(dir, 'stranger_ed25519', ['-t', 'ed25519']),
  ]);
  await writeFile(
    join(dir, 'authorized_keys'),
    [
      ...[clientKey, passphraseKey, pemKey].map((key) => key.publicKey),
      ...(options.extraAuthorizedKeys ?? []),
    ].join('\n') + '\n',
  );
  const password = await testUserPassword();
  await ensureTestUser(password);

  let sudoersFile: string | undefined;
  if (options.sudoForTestUser) {
    // A name without dots: sudo ignores drop-ins whose names contain one.
    sudoersFile = `/etc/sudoers.d/indicovm-test-${randomBytes(6).toString('hex')}`;
    await writeFile(sudoersFile, `${TEST_USER} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
    await run('visudo', ['-c', '-q', '-f', sudoersFile]);
  }

  const port = options.port ?? (await freePort());
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    `HostKey ${join(dir, 'host_ecdsa')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    `AllowUsers root ${TEST_USER}`,
    `AllowTcpForwarding ${options.allowTcpForwarding === false ? 'no' : 'yes'}`,
    'Subsystem sftp internal-sftp',
    'MaxStartups 50',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
  const configPath = join(dir, 'sshd_config');
  await writeFile(configPath, config);

  let logText = '';
  const child = spawn(SSHD_BINARY, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => {
    logText = (logText + chunk.toString('utf8')).slice(-64_000);
  });
  const listenerPid = child.pid;
  if (listenerPid === undefined) {
    throw new Error(`could not start ${SSHD_BINARY}`);
  }
  const record = { listenerPid, dir };
  running.add(record);

  const fingerprintLine = (
    await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'host_ed25519.pub')])
  ).stdout;
  const fingerprint = /SHA256:[A-Za-z0-9+/]+/.exec(fingerprintLine)?.[0];
  const publicLine = (name: string) =>
    readFile(join(dir, `${name}.pub`), 'utf8').then((text) => text.trim().split(/\s+/).slice(0, 2).join(' '));

  let stopped = false;
  const sshd: Sshd = {
    host: '127.0.0.1',
    port,
    hostPublicKey: await publicLine('host_ed25519'),
    ecdsaHostPublicKey: await publicLine('host_ecdsa'),
    fingerprint: fingerprint ?? '',
    dir,
    clientKey,
    passphraseKey,
    pemKey,
    strangerKey,
    testUser: { name: TEST_USER, password },
    connectionPids: () => descendants(listenerPid),
    dropConnections: () => killConnectionProcesses(listenerPid),
    tcpPeerPorts: async () => tcpPeerPorts(await descendants(listenerPid)),
    log: () => logText,
    async stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      // Connection processes outlive the listener, so they are ended first; sessions that the tests
      // closed get a moment to finish on their own.
      const drainUntil = Date.now() + 2000;
      while ((await descendants(listenerPid)).length > 0 && Date.now() < drainUntil) {
        await sleep(100);
      }
      await killTree(listenerPid);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
      running.delete(record);
      if (sudoersFile) {
        await rm(sudoersFile, { force: true });
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
  try {
    if (!fingerprint) {
      throw new Error(`no SHA256 fingerprint in ssh-keygen output: ${fingerprintLine}`);
    }
    await waitForBanner(port, child, () => logText);
  } catch (error) {
    await sshd.stop();
    throw error;
  }
  return sshd;
}
