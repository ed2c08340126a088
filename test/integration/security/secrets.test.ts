// A corpus of bundled-action runs with distinctive secret values in every secret-bearing input, each
// scanned afterwards for those secrets (plain, base64, URL-encoded) in stdout, stderr, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, GITHUB_STATE and every file left in the workspace. The runner masks what
// `::add-mask::` hands it, so exactly those stdout lines are left out of the scan and must be there.
// Real services: the loopback OpenStack (test/support/openstack.ts) and a real sshd. Run `npm run bundle` first.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenStackSession } from '../../../shared/openstack/auth.js';
import { Glance } from '../../../shared/openstack/glance.js';
import { Nova } from '../../../shared/openstack/nova.js';
import { commandEscape, distinctiveSecret, scanRun, type Leak } from '../../security/leak-scan.js';
import { ensureOpenStack, passwordAuth, type CloudFacts } from '../../support/openstack.js';
import { parseOutputFile, REPO, runBundledAction, type ActionRun } from '../../support/run-action.js';
import { startSshd, type Sshd } from '../../support/sshd.js';
import { silentReporter } from '../../support/recording-reporter.js';

jest.setTimeout(180_000);

const DEPLOY = 'action-deploy/dist/index.js';
const DEPLOY_POST = 'action-deploy/dist/post/index.js';
const MANAGE = 'action-manage/dist/index.js';
const BUILD = 'action-build-image/dist/index.js';
const RUN_TIMEOUT_MS = 120_000;

const id = `s${randomUUID().slice(0, 7)}`;
const tally = { runs: 0, secrets: new Set<string>(), places: 0, leaks: [] as (Leak & { run: string })[] };
let dir: string;
let facts: CloudFacts;
let demo: OpenStackSession;
let sshd: Sshd;

/** A real TLS key pair with the distinctive key as ssl-key: the PEM body lines are secrets of their own. */
function tlsPair(): { cert: string; key: string } {
  const keyFile = join(dir, 'tls.key');
  const certFile = join(dir, 'tls.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=indico.example.org',
      '-days',
      '2',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** The secrets to look for in a PEM key: the whole text and each base64 body line. */
function pemSecrets(pem: string): string[] {
  return [pem, ...pem.split('\n').filter((line) => line.length >= 32 && !line.startsWith('-----'))];
}

/** Scans one run, records the counts, and checks that every secret input was handed to the masker. */
function audit(
  name: string,
  run: ActionRun,
  secrets: readonly string[],
  masked: readonly string[],
  skipFiles: readonly string[] = [],
): void {
  tally.runs++;
  secrets.forEach((secret) => tally.secrets.add(secret));
  const { leaks, places } = scanRun(run, secrets, { skipFiles });
  tally.places += places;
  tally.leaks.push(...leaks.map((leak) => ({ ...leak, run: name })));
  const maskLines = new Set(run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::')));
  // The runner masks each line of a multi-line secret on its own, so a PEM key is handed over line by line.
  const unmasked = masked
    .flatMap((secret) => secret.split(/\r?\n/))
    .filter((line) => line.trim().length >= 3 && !maskLines.has(`::add-mask::${commandEscape(line)}`));
  expect({ run: name, unmasked: unmasked.length }).toEqual({ run: name, unmasked: 0 });
  expect({ run: name, leaks }).toEqual({ run: name, leaks: [] });
}

beforeAll(async () => {
  for (const entry of [DEPLOY, DEPLOY_POST, MANAGE, BUILD]) {
    if (!existsSync(join(REPO, entry))) {
      throw new Error(`${entry} is missing: run \`npm run bundle\` first`);
    }
  }
  dir = mkdtempSync(join(tmpdir(), 'indicovm-secrets-'));
  [facts, sshd] = await Promise.all([ensureOpenStack(), startSshd()]);
  demo = await OpenStackSession.open(passwordAuth(facts, facts.users.demo), {
    reporter: silentReporter,
    cloudsYaml: { env: {}, cwd: dir },
  });
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
  if (dir) {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `secrets corpus: ${tally.secrets.size} secrets scanned in ${tally.runs} runs (${tally.places} places), ` +
      `${tally.leaks.length} leaks found` +
      (tally.leaks.length
        ? `:\n${tally.leaks.map((l) => `  ${l.run}: ${l.form} in ${l.where}`).join('\n')}`
        : ''),
  );
}, 300_000);

function authInputs(): Record<string, string> {
  const user = facts.users.demo;
  return {
    'auth-url': facts.authUrl,
    username: user.username,
    password: user.password,
    'project-name': user.projectName,
    'user-domain-name': user.userDomainName,
    'project-domain-name': user.projectDomainName,
    'region-name': facts.region,
  };
}

describe('action-deploy', () => {
  it('stock image with every recipe secret: outputs, summary, state and workspace hold none of them', async () => {
    const file = join(dir, 'stock.qcow2');
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
        ...authInputs(),
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
    const state = parseOutputFile(readFileSync(join(workspace, '.github_state'), 'utf8'));
    const post = runBundledAction(
      DEPLOY_POST,
      { ...authInputs(), ...recipe },
      {
        env: Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value])),
        timeoutMs: RUN_TIMEOUT_MS,
      },
    );
    expect(post.status).toBe(0);
    audit('deploy post', post, secrets, Object.values(recipe));
  });

  it('a wrong password fails authentication without showing it', () => {
    const wrong = distinctiveSecret('password');
    const run = runBundledAction(
      DEPLOY,
      {
        ...authInputs(),
        password: wrong,
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
    const inputs = authInputs();
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
    const path = join(dir, `key-${randomUUID().slice(0, 6)}`);
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
    const stranger = join(dir, `stranger-${randomUUID().slice(0, 6)}`);
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
