import { PATHS, UNITS, type RecipeContext } from './context.js';

/**
 * uWSGI and Celery as Indico's guides run them, with two changes: the web server's user joins the
 * Indico group instead of Indico joining the web server's (one file for every distro), and each unit
 * has ConditionPathExists on its program and indico.conf, so an image built without Indico
 * (install-indico: false) boots cleanly with the units enabled and skipped.
 *
 * Each also Requires= (and is After=) the first-boot unit: when regenerating the secrets fails on a new
 * instance, Indico does not come up with the image's secrets. Once the stamp exists the first-boot
 * unit is skipped by its condition, which systemd counts as success, so later boots (and the build,
 * where the provisioning script writes the stamp before it starts these units) are unaffected.
 */

export function uwsgiIni(ctx: RecipeContext): string {
  const { options: o, installDir: d } = ctx;
  return `; Indico uWSGI, written by indicovm (from Indico's production guide).
[uwsgi]
uid = ${o.indicoUser}
gid = ${o.indicoUser}
umask = 027

processes = ${o.uwsgiProcesses}
enable-threads = true
chmod-socket = 770
chown-socket = ${o.indicoUser}:${o.indicoUser}
socket = ${d}/web/uwsgi.sock
stats = ${d}/web/uwsgi-stats.sock
protocol = uwsgi

master = true
auto-procname = true
procname-prefix-spaced = indico
disable-logging = true

single-interpreter = true

env = INDICO_CONFIG=${d}/etc/indico.conf
touch-reload = ${d}/web/indico.wsgi
wsgi-file = ${d}/web/indico.wsgi
virtualenv = ${ctx.venv}

vacuum = true
buffer-size = 20480
memory-report = true
max-requests = 2500
harakiri = 900
harakiri-verbose = true
reload-on-rss = 2048
evil-reload-on-rss = 8192
`;
}

function unitHead(ctx: RecipeContext, description: string, program: string): string {
  return `[Unit]
Description=${description}
After=network.target postgresql.service redis-server.service redis.service ${UNITS.firstboot}
Wants=postgresql.service
Requires=${UNITS.firstboot}
ConditionPathExists=${program}
ConditionPathExists=${ctx.installDir}/etc/indico.conf
`;
}

export function uwsgiUnit(ctx: RecipeContext): string {
  const program = `${ctx.venv}/bin/uwsgi`;
  return `${unitHead(ctx, 'Indico uWSGI', program)}
[Service]
ExecStart=${program} --ini ${PATHS.uwsgiIni}
ExecReload=/bin/kill -HUP $MAINPID
Restart=always
SyslogIdentifier=indico-uwsgi
User=${ctx.options.indicoUser}
Group=${ctx.options.indicoUser}
UMask=0027
Type=notify
NotifyAccess=all
KillMode=mixed
KillSignal=SIGQUIT
TimeoutStopSec=300

[Install]
WantedBy=multi-user.target
`;
}

function celeryUnit(ctx: RecipeContext, description: string, args: string, identifier: string): string {
  const program = `${ctx.venv}/bin/indico`;
  return `${unitHead(ctx, description, program)}
[Service]
ExecStart=${program} celery ${args}
Environment=INDICO_CONFIG=${ctx.installDir}/etc/indico.conf
WorkingDirectory=${ctx.installDir}
Restart=always
SyslogIdentifier=${identifier}
User=${ctx.options.indicoUser}
Group=${ctx.options.indicoUser}
UMask=0027
Type=simple
KillMode=mixed
TimeoutStopSec=300

[Install]
WantedBy=multi-user.target
`;
}

export function celeryWorkerUnit(ctx: RecipeContext): string {
  return celeryUnit(ctx, 'Indico Celery worker', 'worker', 'indico-celery');
}

export function celeryBeatUnit(ctx: RecipeContext): string {
  return celeryUnit(
    ctx,
    'Indico Celery beat (periodic tasks)',
    `beat --schedule ${ctx.installDir}/tmp/celerybeat-schedule`,
    'indico-celery-beat',
  );
}

/** Runs before the services it feeds, once per instance: the stamp file is its guard. */
export function firstbootUnit(): string {
  return `[Unit]
Description=indicovm: per-instance secrets (Redis, PostgreSQL, Indico SECRET_KEY, TLS certificate)
ConditionPathExists=!${PATHS.stamp}
Wants=postgresql.service
After=local-fs.target network.target postgresql.service
Before=redis-server.service redis.service ${UNITS.uwsgi} ${UNITS.celery} ${UNITS.celeryBeat} nginx.service apache2.service httpd.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${PATHS.firstbootScript} regenerate
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
`;
}
