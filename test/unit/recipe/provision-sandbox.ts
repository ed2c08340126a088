import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { RenderedRecipe } from '../../../shared/recipe/render.js';
import { run, tempDir } from './helpers.js';

/**
 * The whole provisioning script, run for real under sh in a private mount namespace where /etc, /opt,
 * /var, /usr/local/sbin and /usr/local/bin are throwaway folders, as one distribution would run it.
 * The script's PATH starts with /usr/local/sbin, so the stubs there stand in for everything that would
 * change the machine or needs the distribution (apt-get, dnf, systemctl, psql, semanage, pip, uv, …),
 * each appending its arguments to /var/calls.log. Everything else (sh, coreutils, sed, grep, awk) is the
 * host's, working on the sandbox's files, so modes, owners, links and file contents are the script's.
 */

export type Family = 'deb' | 'el';
export type Web = 'nginx' | 'apache';

export interface Distro {
  /** As the conformance table names it: debian-12, ubuntu-24.04, almalinux-9, … */
  readonly key: string;
  readonly family: Family;
  readonly osRelease: Readonly<Record<string, string>>;
  /** Interpreters on PATH before the script runs (name → version): the script chooses among them. */
  readonly pythons: Readonly<Record<string, string>>;
  /** What `nginx -v` reports: decides the HTTP/2 form of the vhost. */
  readonly nginx: string;
}

/** An EL 9 rebuild: AlmaLinux and Rocky Linux ship RHEL's packages, so only their names differ. */
function el9(name: string, id: string): Omit<Distro, 'key'> {
  return {
    family: 'el',
    osRelease: { NAME: name, ID: id, ID_LIKE: 'rhel centos fedora', VERSION_ID: '9.6' },
    pythons: { python3: '3.9.21', 'python3.12': '3.12.9' },
    nginx: '1.20.1',
  };
}

/**
 * The supported distributions with the versions of their own packages that matter to the recipe
 * (Python and nginx as the distribution ships them; for EL 9, python3.12 of a current minor release).
 */
export const DISTROS: readonly Distro[] = [
  {
    key: 'debian-12',
    family: 'deb',
    osRelease: { NAME: 'Debian GNU/Linux', ID: 'debian', VERSION_ID: '12' },
    pythons: { python3: '3.11.2' },
    nginx: '1.22.1',
  },
  {
    key: 'debian-13',
    family: 'deb',
    osRelease: { NAME: 'Debian GNU/Linux', ID: 'debian', VERSION_ID: '13' },
    pythons: { python3: '3.13.5' },
    nginx: '1.26.3',
  },
  {
    key: 'ubuntu-22.04',
    family: 'deb',
    osRelease: { NAME: 'Ubuntu', ID: 'ubuntu', ID_LIKE: 'debian', VERSION_ID: '22.04' },
    pythons: { python3: '3.10.12' },
    nginx: '1.18.0',
  },
  {
    key: 'ubuntu-24.04',
    family: 'deb',
    osRelease: { NAME: 'Ubuntu', ID: 'ubuntu', ID_LIKE: 'debian', VERSION_ID: '24.04' },
    pythons: { python3: '3.12.3', 'python3.12': '3.12.3' },
    nginx: '1.24.0',
  },
  { key: 'almalinux-9', ...el9('AlmaLinux', 'almalinux') },
  { key: 'rocky-9', ...el9('Rocky Linux', 'rocky') },
];

export interface Call {
  readonly name: string;
  readonly args: readonly string[];
}

export interface Provisioned {
  readonly distro: Distro;
  readonly web: Web;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: readonly Call[];
  /** SQL that psql read on stdin (the role passwords). */
  readonly psqlStdin: string;
  readonly hbaPath: string;
  /** The sandbox's copy of a path of the machine. */
  path(onVm: string): string;
  exists(onVm: string): boolean;
  read(onVm: string): string;
  /** Octal permission bits, e.g. '710'. */
  mode(onVm: string): string;
  /** `user:group` by the sandbox's passwd and group. */
  owner(onVm: string): string;
  link(onVm: string): string | undefined;
  /** What the first-boot script generated (secrets.env). */
  readonly secrets: Readonly<Record<string, string>>;
}

const MOUNTS: readonly (readonly [string, string])[] = [
  ['etc', '/etc'],
  ['opt', '/opt'],
  ['var', '/var'],
  ['sbin', '/usr/local/sbin'],
  ['bin', '/usr/local/bin'],
];

const REAL_PYTHON = '/usr/bin/python3';
const FAKE_IDS = { indico: 64990, www: 64979, nginx: 64980, apache: 64981, postgres: 64982, redis: 64983 };

/** Appends the program's name and arguments (unit-separated) to the call log. */
const LOG = `{ printf '%s' "\${0##*/}"; for a in "$@"; do printf '\\037%s' "$a"; done; printf '\\n'; } >> /var/calls.log`;

function stub(body = ''): string {
  return `#!/bin/sh\n${LOG}\n${body}\n`;
}

/** A Python that claims `version`: -c runs in the real python3 with sys.version_info set to it. */
function fakePython(version: string): string {
  const [major, minor, micro] = version.split('.').map(Number);
  return stub(`case "$1" in
  -c)
    case "$2" in
      *'import indico'*)
        pkg="$(dirname "$(dirname "$0")")/lib/python3.12/site-packages/indico"
        mkdir -p "$pkg/web/static"
        echo '# indico.wsgi' > "$pkg/web/indico.wsgi"
        echo 'version: 1' > "$pkg/logging.yaml.sample"
        echo "$pkg"
        exit 0
        ;;
    esac
    exec ${REAL_PYTHON} -c "import sys; sys.version_info = (${major}, ${minor}, ${micro}, 'final', 0)
$2"
    ;;
  -V) echo 'Python ${version}' ;;
  -m)
    [ "$2" = venv ] || exit 2
    for dir; do :; done
    mkdir -p "$dir/bin"
    cp /usr/local/sbin/.tpl/pip "$dir/bin/pip"
    case "$dir" in
      */.uv) ;;
      *)
        cp /usr/local/sbin/.tpl/python-3.12.8 "$dir/bin/python"
        cp /usr/local/sbin/.tpl/tool "$dir/bin/uwsgi"
        cp /usr/local/sbin/.tpl/tool "$dir/bin/indico"
        ;;
    esac
    ;;
  *) exit 2 ;;
esac`);
}

const TEMPLATES: Record<string, string> = {
  'python-3.12.8': fakePython('3.12.8'),
  pip: stub(`case "$1" in
  install)
    for a; do
      if [ "$a" = uv ]; then cp /usr/local/sbin/.tpl/uv "$(dirname "$0")/uv"; fi
    done
    ;;
  show) printf 'Name: indico\\nVersion: 3.3.10\\n' ;;
esac`),
  uv: stub(`[ "$1" = python ] || exit 2
managed="$UV_PYTHON_INSTALL_DIR/cpython-3.12.8-linux-x86_64-gnu/bin/python3.12"
case "$2" in
  install) mkdir -p "$(dirname "$managed")" && cp /usr/local/sbin/.tpl/python-3.12.8 "$managed" ;;
  find) if [ -x "$managed" ]; then echo "$managed"; fi ;;
esac`),
  tool: stub(),
};

/** psql as the postgres superuser answers like an empty new cluster; Indico's user runs what it is given. */
function runuserStub(hbaPath: string): string {
  return stub(`[ "$1" = -u ] && [ "$3" = -- ] || { echo "runuser stub: $*" >&2; exit 2; }
user=$2
shift 3
if [ "$user" = postgres ]; then
  [ "$1" = psql ] || exit 2
  shift
  { printf 'psql'; for a in "$@"; do printf '\\037%s' "$a"; done; printf '\\n'; } >> /var/calls.log
  case "$*" in
    *'SHOW hba_file'*) echo '${hbaPath}' ;;
    *to_regclass*) echo f ;;
    *'SELECT 1 FROM pg_'*) ;;
    *'-c SELECT 1' | *'-qtAc SELECT 1') echo 1 ;;
    *' -c '* | *-qtAc*) ;;
    *) cat >> /var/psql-stdin ;;
  esac
  exit 0
fi
exec "$@"`);
}

function stubs(distro: Distro, hbaPath: string): Record<string, string> {
  const el = distro.family === 'el';
  const pythons = Object.fromEntries(
    Object.entries(distro.pythons).map(([name, version]) => [name, fakePython(version)]),
  );
  // A python3.12 of the host (later on PATH) must not be found: this one is no Python at all.
  pythons['python3.12'] ??= stub('exit 127');
  return {
    ...pythons,
    'apt-get': stub(),
    dnf: stub(),
    rpm: stub('exit 1'),
    systemctl: stub(`for unit; do :; done
case "$1" in
  is-active)
    if grep -qxF "$unit" /var/active-units 2>/dev/null; then [ "$2" = --quiet ] || echo active; exit 0; fi
    [ "$2" = --quiet ] || echo inactive
    exit 3
    ;;
  is-enabled) echo enabled ;;
esac`),
    groupadd: stub(`for name; do :; done\nprintf '%s:x:${FAKE_IDS.indico}:\\n' "$name" >> /etc/group`),
    useradd: stub(
      `for name; do :; done\nprintf '%s:x:${FAKE_IDS.indico}:${FAKE_IDS.indico}::/opt/indico:/bin/bash\\n' "$name" >> /etc/passwd`,
    ),
    usermod: stub(),
    runuser: runuserStub(hbaPath),
    semanage: stub(
      `if [ "$1 $2" = 'port -l' ]; then echo 'http_port_t                    tcp      80, 81, 443, 488, 8008, 8009, 8443, 9000'; fi`,
    ),
    semodule: stub(),
    setsebool: stub(),
    getsebool: stub(`echo "$1 --> off"`),
    restorecon: stub(),
    getenforce: stub(el ? 'echo Enforcing' : 'echo Disabled'),
    'firewall-cmd': stub(`case "$*" in *--query-port*) exit 1 ;; esac`),
    'firewall-offline-cmd': stub(`case "$*" in *--query-port*) exit 1 ;; esac`),
    ufw: stub(`if [ "$1" = status ]; then echo 'Status: inactive'; fi`),
    nft: stub(),
    nginx: stub(`if [ "$1" = -v ]; then echo 'nginx version: nginx/${distro.nginx}' >&2; fi`),
    apache2ctl: stub(),
    apachectl: stub(),
    a2enmod: stub(`mkdir -p /etc/apache2/mods-enabled && : > "/etc/apache2/mods-enabled/$2.load"`),
    a2dissite: stub(`rm -f "/etc/apache2/sites-enabled/$2.conf"`),
    a2ensite: stub(`ln -sf "../sites-available/$2.conf" "/etc/apache2/sites-enabled/$2.conf"`),
    'postgresql-setup': stub('mkdir -p /var/lib/pgsql/data && echo 16 > /var/lib/pgsql/data/PG_VERSION'),
    openssl: stub(`while [ $# -gt 0 ]; do
  case "$1" in -keyout | -out) printf 'stub %s\\n' "$1" > "$2"; shift ;; esac
  shift
done`),
  };
}

function put(path: string, content: string | Uint8Array, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content, { mode });
}

/** The host's accounts, without any Indico, plus the ones the distribution's packages would create. */
function accounts(etc: string, family: Family): void {
  const keep = (file: string): string[] =>
    readFileSync(`/etc/${file}`, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('indico:'));
  const passwd = keep('passwd');
  const group = keep('group');
  const wanted: [string, number][] = [
    ['postgres', FAKE_IDS.postgres],
    ['redis', FAKE_IDS.redis],
    family === 'deb' ? ['www-data', FAKE_IDS.www] : ['nginx', FAKE_IDS.nginx],
  ];
  if (family === 'el') wanted.push(['apache', FAKE_IDS.apache]);
  for (const [name, id] of wanted) {
    if (!passwd.some((line) => line.startsWith(`${name}:`))) {
      passwd.push(`${name}:x:${id}:${id}::/nonexistent:/usr/sbin/nologin`);
    }
    if (!group.some((line) => line.startsWith(`${name}:`))) group.push(`${name}:x:${id}:`);
  }
  put(join(etc, 'passwd'), passwd.join('\n') + '\n');
  put(join(etc, 'group'), group.join('\n') + '\n');
}

function idNames(file: string): Map<number, string> {
  return new Map(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.includes(':'))
      .map((line) => {
        const [name, , id] = line.split(':');
        return [Number(id), name!] as const;
      }),
  );
}

export interface SandboxOptions {
  /** Files to put on the machine before the script runs (path on the machine → content). */
  readonly seed?: Readonly<Record<string, string>>;
}

export function provision(
  recipe: RenderedRecipe,
  distro: Distro,
  web: Web,
  options: SandboxOptions = {},
): Provisioned {
  const root = tempDir(`provision-${distro.key}-${web}`);
  const at = (onVm: string): string => {
    const mount = MOUNTS.find(([, target]) => onVm === target || onVm.startsWith(`${target}/`));
    if (!mount) throw new Error(`${onVm} is outside the sandbox`);
    return join(root, mount[0], onVm.slice(mount[1].length));
  };
  for (const [local] of MOUNTS) mkdirSync(join(root, local), { recursive: true });

  const etc = join(root, 'etc');
  accounts(etc, distro.family);
  for (const name of ['nsswitch.conf', 'ld.so.cache']) {
    if (existsSync(`/etc/${name}`)) put(join(etc, name), readFileSync(`/etc/${name}`));
  }
  // awk and friends are links through /etc/alternatives on Debian hosts.
  if (existsSync('/etc/alternatives')) {
    cpSync('/etc/alternatives', join(etc, 'alternatives'), { recursive: true, verbatimSymlinks: true });
  }
  put(
    at('/etc/os-release'),
    Object.entries(distro.osRelease)
      .map(([key, value]) => `${key}="${value}"\n`)
      .join(''),
  );
  put(at('/etc/redis/redis.conf'), '# the distribution redis.conf\n');
  const hbaPath =
    distro.family === 'deb' ? '/etc/postgresql/16/main/pg_hba.conf' : '/var/lib/pgsql/data/pg_hba.conf';
  put(at(hbaPath), 'local all postgres peer\n');
  if (distro.family === 'deb') {
    put(at('/etc/nginx/sites-available/default'), 'server { listen 80 default_server; }\n');
    mkdirSync(at('/etc/nginx/sites-enabled'), { recursive: true });
    symlinkSync('/etc/nginx/sites-available/default', at('/etc/nginx/sites-enabled/default'));
    put(at('/etc/apache2/sites-available/000-default.conf'), '<VirtualHost *:80>\n</VirtualHost>\n');
    mkdirSync(at('/etc/apache2/sites-enabled'), { recursive: true });
    symlinkSync('../sites-available/000-default.conf', at('/etc/apache2/sites-enabled/000-default.conf'));
    mkdirSync(at('/etc/apache2/mods-enabled'), { recursive: true });
  } else {
    mkdirSync(at('/etc/httpd/conf.d'), { recursive: true });
    mkdirSync(at('/etc/httpd/conf.modules.d'), { recursive: true });
    put(at('/var/active-units'), 'firewalld\n');
  }
  for (const [path, content] of Object.entries(options.seed ?? {})) put(at(path), content);

  for (const [name, content] of Object.entries(stubs(distro, hbaPath))) {
    put(at(`/usr/local/sbin/${name}`), content, 0o755);
  }
  for (const [name, content] of Object.entries(TEMPLATES)) {
    put(at(`/usr/local/sbin/.tpl/${name}`), content, 0o755);
  }
  const script = join(root, 'provision.sh');
  if (!recipe.script.includes(`\nWEB_SERVER=${web}\n`))
    throw new Error(`the recipe is not rendered for ${web}`);
  put(script, recipe.script, 0o755);

  const mounts = MOUNTS.map(([local, target]) => `mount --bind ${join(root, local)} ${target}`).join(' && ');
  const result = run(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', `${mounts} && exec sh ${script}`],
    {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C' },
    },
  );

  const read = (onVm: string): string => readFileSync(at(onVm), 'utf8');
  const optional = (onVm: string): string => (existsSync(at(onVm)) ? read(onVm) : '');
  const calls = optional('/var/calls.log')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [name, ...args] = line.split('\x1f');
      return { name: name!, args };
    });
  const secrets = Object.fromEntries(
    optional('/etc/indicovm/secrets.env')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const users = idNames(join(etc, 'passwd'));
  const groups = idNames(join(etc, 'group'));
  return {
    distro,
    web,
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    calls,
    psqlStdin: optional('/var/psql-stdin'),
    hbaPath,
    secrets,
    path: at,
    exists: (onVm) => {
      try {
        lstatSync(at(onVm));
        return true;
      } catch {
        return false;
      }
    },
    read,
    mode: (onVm) => (statSync(at(onVm)).mode & 0o7777).toString(8),
    owner: (onVm) => {
      const stat = lstatSync(at(onVm));
      return `${users.get(stat.uid) ?? stat.uid}:${groups.get(stat.gid) ?? stat.gid}`;
    },
    link: (onVm) => (lstatSync(at(onVm)).isSymbolicLink() ? readlinkSync(at(onVm)) : undefined),
  };
}
