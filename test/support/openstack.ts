// The loopback OpenStack cloud (Keystone, Glance, Placement, Nova with the fake driver, Neutron,
// Cinder) that the integration tests talk to. test/infra/openstack/start.sh does the work and is
// idempotent; this module runs it at most once per process and returns the facts it writes to
// cloud.json.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Secret } from '../../shared/secret.js';
import { running } from './processes.js';

const INFRA_DIR = fileURLToPath(new URL('../infra/openstack/', import.meta.url));
const DEFAULT_STATE_DIR = '/tmp/indicovm-openstack';
// A fresh machine first installs the Debian packages (about 1.5 min), then starts in about 20 s.
const START_TIMEOUT_MS = 15 * 60 * 1000;
const STOP_TIMEOUT_MS = 60 * 1000;

export interface CloudUser {
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  roles: string[];
  /** Shell file with the OS_* variables for this user. */
  envFile: string;
}

export interface CloudFlavor {
  id: string;
  name: string;
  vcpus: number;
  ramMb: number;
  diskGb: number;
}

export interface CloudFacts {
  stateDir: string;
  /** Keystone v3, e.g. http://127.0.0.1:5000/v3 */
  authUrl: string;
  identityApiVersion: 3;
  region: string;
  interface: 'public';
  /** Microversion the env files set (OS_COMPUTE_API_VERSION). */
  computeApiVersion: string;
  ports: {
    keystone: number;
    glance: number;
    placement: number;
    nova: number;
    neutron?: number;
    cinder?: number;
  };
  /**
   * The catalog's URLs: image and network have no version, compute ends in /v2.1, volumev3 is a
   * template ending in /v3/%(project_id)s (the token's catalog has the project filled in).
   */
  endpoints: {
    identity: string;
    image: string;
    placement: string;
    compute: string;
    network?: string;
    volumev3?: string;
  };
  users: { admin: CloudUser; demo: CloudUser };
  flavors: CloudFlavor[];
  /** Whether a real Neutron serves the network API (OSL_NEUTRON=1, the default). */
  neutron: boolean;
  /**
   * Whether Cinder serves the block-storage API (OSL_CINDER=1, the default): servers can boot from
   * volumes, e.g. with flavor m1.zero-disk. Absent in a cloud.json written before Cinder was added.
   */
  cinder?: boolean;
  /** The shared tenant network servers boot on (`private`). */
  network: CloudNetwork;
  /** The external network floating IPs come from (`public`), joined to `private` by a router. */
  externalNetwork?: CloudNetwork;
  router?: { name: string; id: string; externalGatewayIps: string[] };
  computeHost: string;
}

export interface CloudNetwork {
  name: string;
  id: string;
  cidr: string;
  subnetName?: string;
  subnetId?: string;
  gateway?: string;
}

let started: Promise<CloudFacts> | undefined;

/** Start the cloud if it is not running (once per process) and return its facts. */
export async function ensureOpenStack(): Promise<CloudFacts> {
  started ??= startAndRead().catch((error: unknown) => {
    started = undefined; // let a later call try again
    throw error;
  });
  return started;
}

/** Stop every service of the cloud; its state stays for the next start. */
export async function stopOpenStack(): Promise<void> {
  started = undefined;
  await runScript('stop.sh', STOP_TIMEOUT_MS);
}

/**
 * Kills one service of the cloud as a crash would (SIGKILL to its process group) and waits until it is
 * gone. start.sh (restartStopped) brings it back on the same state.
 */
export async function killService(name: 'keystone' | 'glance' | 'placement' | 'nova'): Promise<number> {
  const stateDir = process.env.OSL_STATE_DIR ?? DEFAULT_STATE_DIR;
  const pid = Number((await readFile(join(stateDir, 'run', `${name}.pid`), 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`no pid recorded for ${name}`);
  process.kill(-pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (running(pid)) {
    if (Date.now() > deadline) throw new Error(`${name} (pid ${pid}) did not die`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return pid;
}

/** Starts again whatever service of the cloud is not running (start.sh is idempotent). */
export async function restartStopped(): Promise<void> {
  await runScript('start.sh', START_TIMEOUT_MS);
}

async function startAndRead(): Promise<CloudFacts> {
  await runScript('start.sh', START_TIMEOUT_MS);
  const stateDir = process.env.OSL_STATE_DIR ?? DEFAULT_STATE_DIR;
  return parseCloudFacts(await readFile(join(stateDir, 'cloud.json'), 'utf8'));
}

export function parseCloudFacts(text: string): CloudFacts {
  const facts = JSON.parse(text) as Partial<CloudFacts>;
  const missing: string[] = (
    ['authUrl', 'endpoints', 'users', 'ports', 'flavors', 'network'] as const
  ).filter((key) => facts[key] === undefined);
  for (const user of ['admin', 'demo'] as const) {
    if (facts.users !== undefined && facts.users[user] === undefined) missing.push(`users.${user}`);
  }
  if (missing.length > 0) throw new Error(`cloud.json is incomplete: missing ${missing.join(', ')}`);
  return facts as CloudFacts;
}

function runScript(script: string, timeout: number): Promise<void> {
  const path = join(INFRA_DIR, script);
  return new Promise((resolve, reject) => {
    execFile('bash', [path], { timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) {
        resolve();
        return;
      }
      const tail = `${stdout}${stderr}`.trimEnd().split('\n').slice(-30).join('\n');
      const exit = error.killed
        ? `was killed after ${timeout / 1000} s`
        : `exited with ${String(error.code)}`;
      reject(new Error(`Failed to run "bash ${path}": it ${exit}. Last output:\n${tail}`));
    });
  });
}

/** A user's password login to the loopback cloud, as the OpenStack client's auth settings take it. */
export function passwordAuth(facts: CloudFacts, user: CloudUser) {
  return {
    authUrl: facts.authUrl,
    username: user.username,
    password: new Secret(user.password),
    projectName: user.projectName,
    userDomainName: user.userDomainName,
    projectDomainName: user.projectDomainName,
    regionName: facts.region,
  };
}

/** The demo user's password login as action inputs (or CLI flags), under their public names. */
export function authInputs(facts: CloudFacts, user: CloudUser = facts.users.demo): Record<string, string> {
  return {
    'auth-url': facts.authUrl,
    'os-username': user.username,
    'os-password': user.password,
    'project-name': user.projectName,
    'user-domain-name': user.userDomainName,
    'project-domain-name': user.projectDomainName,
    'region-name': facts.region,
  };
}
