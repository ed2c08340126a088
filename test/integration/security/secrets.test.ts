// A corpus of bundled-action runs with distinctive secret values in every secret-bearing input, each
// scanned afterwards for those secrets (plain, base64, URL-encoded) in stdout, stderr, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, GITHUB_STATE and every file left in the workspace. The runner masks what
// `::add-mask::` hands it, so exactly those stdout lines are left out of the scan and must be there.
// Real services: the loopback OpenStack (test/support/openstack.ts) and a real sshd. Run `npm run bundle` first.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenStackSession } from '../../../shared/openstack/auth.js';
import { Glance } from '../../../shared/openstack/glance.js';
import { Nova } from '../../../shared/openstack/nova.js';
import {
  commandEscape,
  distinctiveSecret,
  pemSecrets,
  scanRun,
  type Leak,
} from '../../security/leak-scan.js';
import { tally } from '../../security/tally.js';
import { BUILD, CLI, DEPLOY, DEPLOY_POST, MANAGE, requireBundled } from '../../support/bundled.js';
import { openDemoSession } from '../../support/demo-session.js';
import { authInputs, type CloudFacts, ensureOpenStack } from '../../support/openstack.js';
import { REPO, runBundledAction, runPostStep, type ActionRun } from '../../support/run-action.js';
import { selfSignedPair } from '../../support/tls.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { useTempDir } from '../../support/temp-dir.js';

jest.setTimeout(180_000);

const RUN_TIMEOUT_MS = 120_000;

const id = `s${randomUUID().slice(0, 7)}`;
const corpus = { runs: 0, secrets: new Set<string>(), places: 0, leaks: [] as (Leak & { run: string })[] };
const dir = useTempDir('indicovm-secrets-');
let facts: CloudFacts;
let demo: OpenStackSession;
let sshd: Sshd;

/** A real TLS key pair with the distinctive key as ssl-key: the PEM body lines are secrets of their own. */
function tlsPair(): { cert: string; key: string } {
  return selfSignedPair(dir(), 'indico.example.org');
}

/** Scans one run for the secrets and records the counts; no leak may be found. */
function scan(
  name: string,
  run: ActionRun,
  secrets: readonly string[],
  skipFiles: readonly string[] = [],
): void {
  corpus.runs++;
  secrets.forEach((secret) => corpus.secrets.add(secret));
  const { leaks, places } = scanRun(run, secrets, { skipFiles });
  corpus.places += places;
  corpus.leaks.push(...leaks.map((leak) => ({ ...leak, run: name })));
  expect({ run: name, leaks }).toEqual({ run: name, leaks: [] });
}

/** Scans an action run, and checks that every secret input was handed to the runner's masker. */
function audit(
  name: string,
  run: ActionRun,
  secrets: readonly string[],
  masked: readonly string[],
  skipFiles: readonly string[] = [],
): void {
  scan(name, run, secrets, skipFiles);
  const maskLines = new Set(run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::')));
  // The runner masks each line of a multi-line secret on its own, so a PEM key is handed over line by line.
  const unmasked = masked
    .flatMap((secret) => secret.split(/\r?\n/))
    .filter((line) => line.trim().length >= 3 && !maskLines.has(`::add-mask::${commandEscape(line)}`));
  expect({ run: name, unmasked: unmasked.length }).toEqual({ run: name, unmasked: 0 });
}

beforeAll(async () => {
  requireBundled(DEPLOY, DEPLOY_POST, MANAGE, BUILD, CLI);
  [facts, sshd] = await Promise.all([ensureOpenStack(), startSshd()]);
  demo = await openDemoSession(facts, dir());
}, 900_000);

afterAll(async () => {
  if (demo) {
    const nova = new Nova(demo);
    const glance = new Glance(demo);
    const servers = await nova.findServersByName(`sec-${id}-stock`);
    await Promise.allSettled(servers.map((server) => nova.deleteServerAndWait(server.id, { pollMs: 500 })));
    const images = (await glance.list()).filter((image) => (image.name ?? '').startsWith(`sec-${id}`));
    await Promise.allSettled(images.map((image) => glance.deleteIfExists(image.id)));
  }
  await sshd?.stop();
  tally(
    'secrets corpus',
    { runsScanned: corpus.runs, secretsScanned: corpus.secrets.size, leaks: corpus.leaks.length },
    corpus.leaks.map((leak) => `${leak.run}: ${leak.form} in ${leak.where}`),
  );
}, 300_000);

describe('action-deploy', () => {
  it('stock image with every recipe secret: outputs, summary, state and workspace hold none of them', async () => {
    const file = join(dir(), 'stock.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', file, '16M']);
    const { image } = await new Glance(demo).uploadImage(
      { name: `sec-${id}-image`, diskFormat: 'qcow2' },
      file,
      {
        pollMs: 300,
        timeoutMs: 60_000,
      },
    );
    const tls = tlsPair();
    const recipe = {
      'redis-password': distinctiveSecret('redis'),
      'smtp-password': distinctiveSecret('smtp'),
      'db-password': distinctiveSecret('db'),
      'secret-key': distinctiveSecret('key'),
      'ssl-key': tls.key,
    };
    const workspace = mkdtempSync(join(tmpdir(), 'indicovm-secrets-ws-'));
    const run = runBundledAction(
      DEPLOY,
      {
        ...authInputs(facts),
        flavor: 'm1.tiny',
        network: 'auto',
        'wait-timeout': '120s',
        'host-key-timeout': '1s',
        'source-image': image.id,
        'server-name': `sec-${id}-stock`,
        'server-hostname': 'indico.example.org',
        'smtp-login': 'indico',
        'ssl-cert': tls.cert,
        'user-data-path': 'out/user-data.mime',
        ...recipe,
      },
      { workspace, timeoutMs: RUN_TIMEOUT_MS },
    );
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    // The user-data the user asked for carries the recipe secrets by design: it is left out of the
    // scan, and must be readable by its owner only.
    const userData = run.outputs['user-data-path']!;
    expect(userData).toBe(join(workspace, 'out', 'user-data.mime'));
    expect(statSync(userData).mode & 0o777).toBe(0o600);
    const secrets = [...Object.values(recipe).filter((s) => s !== tls.key), ...pemSecrets(tls.key)];
    audit('deploy stock', run, secrets, Object.values(recipe), [userData]);

    // The post step of the same job, with the state the main step saved.
    const post = runPostStep(
      DEPLOY_POST,
      run,
      { ...authInputs(facts), ...recipe },
      { timeoutMs: RUN_TIMEOUT_MS },
    );
    expect(post.status).toBe(0);
    audit('deploy post', post, secrets, Object.values(recipe), [userData]);
  });

  it('a wrong password fails authentication without showing it', () => {
    const wrong = distinctiveSecret('password');
    const run = runBundledAction(
      DEPLOY,
      {
        ...authInputs(facts),
        'os-password': wrong,
        flavor: 'm1.tiny',
        'source-image': 'cirros',
        'server-name': `sec-${id}-never`,
      },
      { timeoutMs: RUN_TIMEOUT_MS },
    );
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/^::error::.*(authenticat|401)/im);
    audit('deploy wrong password', run, [wrong], [wrong]);
  });

  it('a wrong application credential secret fails without showing it', () => {
    const wrong = distinctiveSecret('appcred');
    const inputs = authInputs(facts);
    const run = runBundledAction(
      DEPLOY,
      {
        'auth-url': inputs['auth-url']!,
        'region-name': inputs['region-name']!,
        'application-credential-id': randomUUID().replaceAll('-', ''),
        'application-credential-secret': wrong,
        flavor: 'm1.tiny',
        'source-image': 'cirros',
        'server-name': `sec-${id}-never`,
      },
      { timeoutMs: RUN_TIMEOUT_MS },
    );
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/^::error::.*(authenticat|credential|401|404)/im);
    audit('deploy application credential', run, [wrong], [wrong]);
  });
});

describe('action-manage against a real sshd', () => {
  /** An ed25519 key encrypted with a distinctive passphrase, trusted by the server as root. */
  function passphraseKey(): Promise<{ key: string; passphrase: string }> {
    const passphrase = distinctiveSecret('passphrase');
    const path = join(dir(), `key-${randomUUID().slice(0, 6)}`);
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      passphrase,
      '-C',
      'secrets@indicovm',
      '-f',
      path,
    ]);
    // sshd reads its AuthorizedKeysFile at each connection: trusting a key is appending its line.
    appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${path}.pub`, 'utf8'));
    return Promise.resolve({ key: readFileSync(path, 'utf8'), passphrase });
  }

  function manage(inputs: Record<string, string>): ActionRun {
    return runBundledAction(
      MANAGE,
      { host: sshd.host, port: String(sshd.port), tasks: 'run', script: 'echo indicovm-ok', ...inputs },
      { timeoutMs: RUN_TIMEOUT_MS },
    );
  }

  it('a key with a distinctive passphrase connects and shows neither', async () => {
    const { key, passphrase } = await passphraseKey();
    const run = manage({
      username: 'root',
      'ssh-key': key,
      'ssh-key-passphrase': passphrase,
      'host-keys': sshd.hostPublicKey,
    });
    expect({ status: run.status, stdout: run.stdout }).toEqual({
      status: 0,
      stdout: expect.stringContaining('indicovm-ok'),
    });
    audit('manage passphrase key', run, [passphrase, ...pemSecrets(key)], [passphrase, key]);
  });

  it('a distinctive wrong password fails without showing it', () => {
    const wrong = distinctiveSecret('sshpassword');
    const run = manage({ username: sshd.testUser.name, password: wrong, 'host-keys': sshd.hostPublicKey });
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/^::error::.*SSH authentication .* failed/m);
    audit('manage wrong password', run, [wrong], [wrong]);
  });

  it('a host key mismatch refuses the server before any secret is offered, and shows none', async () => {
    const { key, passphrase } = await passphraseKey();
    const stranger = join(dir(), `stranger-${randomUUID().slice(0, 6)}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const run = manage({
      username: 'root',
      'ssh-key': key,
      'ssh-key-passphrase': passphrase,
      'host-keys': readFileSync(`${stranger}.pub`, 'utf8').trim(),
    });
    expect(run.status).not.toBe(0);
    expect(run.stdout).not.toContain('indicovm-ok');
    expect(run.stdout).toMatch(/^::error::.*Host key verification failed.*Nothing was sent/m);
    audit('manage wrong host key', run, [passphrase, ...pemSecrets(key)], [passphrase, key]);
  });
});

describe('action-build-image', () => {
  it('recipe secrets with an invalid other input: fails fast and shows none', () => {
    const tls = tlsPair();
    const recipe = {
      'redis-password': distinctiveSecret('bredis'),
      'smtp-password': distinctiveSecret('bsmtp'),
      'db-password': distinctiveSecret('bdb'),
      'secret-key': distinctiveSecret('bkey'),
      'ssl-key': tls.key,
    };
    const started = Date.now();
    const run = runBundledAction(
      BUILD,
      { ...recipe, 'ssl-cert': tls.cert, memory: 'a lot' },
      { timeoutMs: RUN_TIMEOUT_MS },
    );
    expect(run.status).not.toBe(0);
    expect(run.stdout).toMatch(/^::error::.*Invalid input 'memory'/m);
    expect(Date.now() - started).toBeLessThan(30_000);
    const secrets = [...Object.values(recipe).filter((s) => s !== tls.key), ...pemSecrets(tls.key)];
    audit('build-image invalid input', run, secrets, Object.values(recipe));
  });
});

describe('the indicovm CLI', () => {
  /** The CLI as a user starts it, in a folder of its own, with only the environment given. */
  function cli(
    args: readonly string[],
    options: { env?: Record<string, string>; files?: Record<string, string> },
  ): ActionRun {
    const cwd = mkdtempSync(join(dir(), 'cli-'));
    for (const [name, content] of Object.entries(options.files ?? {})) {
      writeFileSync(join(cwd, name), content, { mode: 0o600 });
    }
    const result = spawnSync(process.execPath, [join(REPO, CLI), ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...options.env },
      encoding: 'utf8',
      timeout: RUN_TIMEOUT_MS,
    });
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      outputs: {},
      summary: '',
      workspace: cwd,
    };
  }

  it('gen-user-data with every recipe secret in indicovm.yml: the terminal shows none, the file is private', () => {
    const tls = tlsPair();
    const recipe = {
      'redis-password': distinctiveSecret('credis'),
      'smtp-password': distinctiveSecret('csmtp'),
      'db-password': distinctiveSecret('cdb'),
      'secret-key': distinctiveSecret('ckey'),
    };
    const config = [
      ...Object.entries(recipe).map(([key, value]) => `${key}: ${JSON.stringify(value)}`),
      'ssl-cert: tls.crt',
      'ssl-key: tls.key',
      'smtp-server: smtp.example.org',
      '',
    ].join('\n');
    const run = cli(['gen-user-data', '--user-data-path', 'user-data.mime'], {
      files: { 'indicovm.yml': config, 'tls.crt': tls.cert, 'tls.key': tls.key },
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 0,
      stderr: expect.stringContaining('bytes'),
    });
    const userData = join(run.workspace, 'user-data.mime');
    expect(statSync(userData).mode & 0o777).toBe(0o600);
    // The user-data carries the secrets to the VM by design, and the inputs hold them: only those.
    scan(
      'cli gen-user-data',
      run,
      [...Object.values(recipe), ...pemSecrets(tls.key)],
      [userData, join(run.workspace, 'indicovm.yml'), join(run.workspace, 'tls.key')],
    );
  });

  it('deploy with a distinctive wrong OS_PASSWORD fails without showing it', () => {
    const wrong = distinctiveSecret('cli-os-password');
    const user = facts.users.demo;
    const run = cli(
      ['deploy', '--flavor', 'm1.tiny', '--source-image', 'cirros', '--server-name', `sec-${id}-cli`],
      {
        env: {
          OS_AUTH_URL: facts.authUrl,
          OS_USERNAME: user.username,
          OS_PASSWORD: wrong,
          OS_PROJECT_NAME: user.projectName,
          OS_USER_DOMAIN_NAME: user.userDomainName,
          OS_PROJECT_DOMAIN_NAME: user.projectDomainName,
          OS_REGION_NAME: facts.region,
        },
      },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/refused the user name and password \(HTTP 401\)/);
    scan('cli deploy wrong password', run, [wrong]);
  });

  it('manage with a key file and its passphrase in indicovm.yml connects and shows neither', () => {
    const passphrase = distinctiveSecret('cli-passphrase');
    const path = join(dir(), `cli-key-${randomUUID().slice(0, 6)}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'cli@indicovm', '-f', path]);
    appendFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${path}.pub`, 'utf8'));
    const key = readFileSync(path, 'utf8');
    const run = cli(
      [
        'manage',
        '--host',
        sshd.host,
        '--port',
        String(sshd.port),
        '--tasks',
        'run',
        '--script',
        'echo indicovm-ok',
      ],
      {
        files: {
          'indicovm.yml': [
            'ssh-username: root',
            `ssh-key: ${path}`,
            `ssh-key-passphrase: ${JSON.stringify(passphrase)}`,
            `host-keys: ${JSON.stringify(sshd.hostPublicKey)}`,
            '',
          ].join('\n'),
        },
      },
    );
    expect({ status: run.status, stdout: run.stdout }).toEqual({
      status: 0,
      stdout: expect.stringContaining('indicovm-ok'),
    });
    scan(
      'cli manage passphrase key',
      run,
      [passphrase, ...pemSecrets(key)],
      [join(run.workspace, 'indicovm.yml')],
    );
  });
});
