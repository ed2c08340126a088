/**
 * What the verify boot checks inside a new instance of an image made with the recipe, and how it
 * judges the answers: the first boot replaced the image's secrets (compared as SHA-256 hashes, never
 * as values), Redis and PostgreSQL accept the new credentials that indico.conf carries, and the HTTPS
 * answer comes from Indico behind the web server (or, without Indico, is the web server's own error
 * for the missing uWSGI socket).
 */
import { quote } from '../shell/quote.js';
import { PATHS, type RecipeContext } from '../recipe/context.js';

export const SECRET_NAMES = ['REDIS_PASSWORD', 'SECRET_KEY', 'DB_PASSWORD'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/**
 * regenerated: differs from the image's; unchanged: the image's; given: an option, never regenerated;
 * unrecorded: no record of the image's to compare with; stale: indico.conf does not carry it.
 */
export type SecretState = 'regenerated' | 'unchanged' | 'given' | 'unrecorded' | 'stale';

export interface StackFacts {
  readonly secrets: Readonly<Record<SecretName, SecretState>>;
  /** SHA-256 of the image's (replaced, now unused) generated secrets: the build can be matched against them. */
  readonly replacedSecretsSha256: Readonly<Partial<Record<SecretName, string>>>;
  readonly redisAcceptsNewPassword: boolean;
  readonly postgresAcceptsNewPassword: boolean;
  readonly uwsgiSocket: 'present' | 'absent';
  /** Lines of the web server's error log that name the uWSGI socket. */
  readonly upstreamErrors: number;
}

/**
 * Runs as root in the instance (python3 is there: cloud-init needs it). Passwords travel only in the
 * environment of redis-cli and psql; the output is `key=value` lines with states and hashes.
 */
function uwsgiSocket(ctx: RecipeContext): string {
  return `${ctx.installDir}/web/uwsgi.sock`;
}

function webErrorLog(ctx: RecipeContext): string {
  return `${ctx.installDir}/log/${ctx.options.webServer === 'nginx' ? 'nginx' : 'apache'}/error.log`;
}

/** argv that prints how many lines of the web server's error log name the uWSGI socket (taken before the probe). */
export function upstreamErrorCount(ctx: RecipeContext): string[] {
  return [
    'sh',
    '-c',
    'grep -cF -- "$1" "$2" 2>/dev/null || [ -e "$2" ] || echo 0',
    'sh',
    uwsgiSocket(ctx),
    webErrorLog(ctx),
  ];
}

export function stackCheckScript(ctx: RecipeContext): string {
  const socket = uwsgiSocket(ctx);
  const errorLog = webErrorLog(ctx);
  return `set -eu
exec python3 - ${quote(`${ctx.installDir}/etc/indico.conf`)} ${quote(PATHS.secretsEnv)} ${quote(PATHS.replacedSecrets)} ${quote(socket)} ${quote(errorLog)} <<'INDICOVM_PY'
import hashlib, os, stat, subprocess, sys
from urllib.parse import unquote, urlsplit

conf_path, secrets_path, replaced_path, socket_path, error_log = sys.argv[1:6]

def report_errors_by_name_only(kind, value, traceback):
    # A traceback could quote a line of indico.conf, secrets and all: only the exception's name leaves.
    print('error=' + kind.__name__)
    sys.exit(1)

sys.excepthook = report_errors_by_name_only

def pairs(path, sep):
    out = {}
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith('#') and sep in line:
                    key, value = line.split(sep, 1)
                    out[key.strip()] = value.strip()
    except FileNotFoundError:
        pass
    return out

def sha256(value):
    return hashlib.sha256(value.encode('utf-8')).hexdigest()

secrets = pairs(secrets_path, '=')
replaced = pairs(replaced_path, ' ')
ns = {}
with open(conf_path, encoding='utf-8') as f:
    exec(compile(f.read(), conf_path, 'exec'), ns)
broker = urlsplit(ns['CELERY_BROKER'])
db = urlsplit(ns['SQLALCHEMY_DATABASE_URI'])
live = {
    'REDIS_PASSWORD': unquote(broker.password or ''),
    'SECRET_KEY': ns['SECRET_KEY'],
    'DB_PASSWORD': unquote(db.password or ''),
}
for name in ('REDIS_PASSWORD', 'SECRET_KEY', 'DB_PASSWORD'):
    if name not in secrets:
        state = 'given'
    elif live[name] != secrets[name]:
        state = 'stale'
    elif name not in replaced:
        state = 'unrecorded'
    elif sha256(secrets[name]) == replaced[name]:
        state = 'unchanged'
    else:
        state = 'regenerated'
    print('secret.%s=%s' % (name, state))
    if name in replaced:
        print('replaced-sha256.%s=%s' % (name, replaced[name]))

def answer(argv, env):
    try:
        done = subprocess.run(argv, env=dict(os.environ, **env), capture_output=True, text=True, timeout=60)
        return done.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ''

pong = answer(['redis-cli', '-h', broker.hostname, '-p', str(broker.port or 6379), 'ping'],
              {'REDISCLI_AUTH': live['REDIS_PASSWORD']})
print('redis=' + ('accepts' if pong == 'PONG' else 'refuses'))
selected = answer(['psql', '-h', db.hostname, '-p', str(db.port or 5432), '-U', unquote(db.username or ''),
                   '-d', db.path.lstrip('/'), '-w', '-Atc', 'SELECT 42'],
                  {'PGPASSWORD': live['DB_PASSWORD'], 'PGCONNECT_TIMEOUT': '10'})
print('postgres=' + ('accepts' if selected == '42' else 'refuses'))

try:
    present = stat.S_ISSOCK(os.stat(socket_path).st_mode)
except FileNotFoundError:
    present = False
print('uwsgi-socket=' + ('present' if present else 'absent'))
try:
    with open(error_log, encoding='utf-8', errors='replace') as f:
        print('upstream-errors=%d' % sum(1 for line in f if socket_path in line))
except FileNotFoundError:
    print('upstream-errors=0')
INDICOVM_PY
`;
}

export function parseStackFacts(output: string): StackFacts {
  const values = new Map<string, string>();
  for (const line of output.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) values.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  const secretState = (name: SecretName): SecretState => {
    const state = values.get(`secret.${name}`);
    const known: readonly SecretState[] = ['regenerated', 'unchanged', 'given', 'unrecorded', 'stale'];
    return known.includes(state as SecretState) ? (state as SecretState) : 'unrecorded';
  };
  const replaced: Partial<Record<SecretName, string>> = {};
  for (const name of SECRET_NAMES) {
    const digest = values.get(`replaced-sha256.${name}`);
    if (digest !== undefined && /^[0-9a-f]{64}$/.test(digest)) replaced[name] = digest;
  }
  return {
    secrets: {
      REDIS_PASSWORD: secretState('REDIS_PASSWORD'),
      SECRET_KEY: secretState('SECRET_KEY'),
      DB_PASSWORD: secretState('DB_PASSWORD'),
    },
    replacedSecretsSha256: replaced,
    redisAcceptsNewPassword: values.get('redis') === 'accepts',
    postgresAcceptsNewPassword: values.get('postgres') === 'accepts',
    uwsgiSocket: values.get('uwsgi-socket') === 'present' ? 'present' : 'absent',
    upstreamErrors: Number.parseInt(values.get('upstream-errors') ?? '0', 10) || 0,
  };
}

const SECRET_TEXT: Record<SecretName, string> = {
  REDIS_PASSWORD: 'the Redis password',
  SECRET_KEY: 'SECRET_KEY',
  DB_PASSWORD: 'the PostgreSQL password',
};

/** Problems with the secrets and credentials of a new instance, each named. */
export function secretProblems(facts: StackFacts): string[] {
  const problems: string[] = [];
  for (const name of SECRET_NAMES) {
    const what = SECRET_TEXT[name];
    const state = facts.secrets[name];
    if (state === 'unchanged') problems.push(`${what} is the image's (the first boot did not replace it)`);
    if (state === 'unrecorded')
      problems.push(`${what}: no record of the image's value, so a fresh one cannot be shown`);
    if (state === 'stale') problems.push(`${what} in indico.conf is not the instance's`);
  }
  if (!facts.redisAcceptsNewPassword) problems.push('Redis refuses the password in indico.conf');
  if (!facts.postgresAcceptsNewPassword)
    problems.push('PostgreSQL refuses the role and password in indico.conf over 127.0.0.1');
  return problems;
}

export interface HttpsAnswer {
  readonly status: number;
  readonly location: string | undefined;
}

/** The answer the web server gives for an absent uWSGI socket: nginx 502, Apache mod_proxy 503. */
export function missingUpstreamStatus(webServer: string): number {
  return webServer === 'nginx' ? 502 : 503;
}

/**
 * With Indico installed: 200, or Indico's own 302/303 (a fresh Indico sends `/` to `/bootstrap`); the
 * web server's Host redirect is a 301, its upstream errors 502-504. Without Indico: exactly the web
 * server's error for the missing socket, with the socket absent and the error in its log.
 */
export function httpsProblem(
  ctx: RecipeContext,
  answer: HttpsAnswer,
  facts: Pick<StackFacts, 'uwsgiSocket' | 'upstreamErrors'>,
): string | undefined {
  const { status } = answer;
  const server = ctx.options.webServer;
  if (status === 301 || status === 308) {
    return `HTTPS answered ${status} to ${answer.location ?? '?'}: the ${server} vhost redirected the request instead of passing it to Indico`;
  }
  if (ctx.options.installIndico) {
    if (status === 200 || status === 302 || status === 303) return undefined;
    return `HTTPS answered ${status}: Indico is not behind ${server} (expected 200, or Indico's 302/303)`;
  }
  const expected = missingUpstreamStatus(server);
  if (status !== expected) {
    return `HTTPS answered ${status}; without Indico (install-indico: false) ${server} answers ${expected} for the absent uWSGI socket`;
  }
  if (facts.uwsgiSocket !== 'absent') {
    return `HTTPS answered ${status} although the uWSGI socket exists (install-indico: false)`;
  }
  if (facts.upstreamErrors === 0) {
    return `HTTPS answered ${status} but the ${server} error log does not name the uWSGI socket: the answer is not the missing-socket error`;
  }
  return undefined;
}
