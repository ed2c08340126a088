/**
 * The Indico 3.3 stack as one provisioning script (a pure function of the options).
 *
 * `renderRecipe(options)` returns `{ script, files }`. `script` is self-sufficient: a POSIX sh script
 * that writes every file below itself (quoted here-documents), so the same text runs over SSH during
 * an image build and as cloud-init user-data. `files` lists the same files for reading and for
 * `indicovm render-script` (which writes them under `files/`); nothing needs to be uploaded first.
 *
 * Files the script writes (D = install-dir, default /opt/indico; S = ssl-dir, default /etc/ssl/indico):
 *   /etc/nginx/conf.d/indico.conf             nginx vhost (web-server: nginx), or
 *   /etc/apache2/sites-available/indico.conf  Apache vhost (Debian/Ubuntu) / /etc/httpd/conf.d/indico.conf (EL)
 *   /etc/httpd/conf.modules.d/proxy_uwsgi.conf  (EL, Apache) LoadModule, unless httpd already loads it
 *   /etc/uwsgi-indico.ini                     uWSGI
 *   /etc/systemd/system/indico-uwsgi.service, indico-celery.service, indico-celery-beat.service
 *   /etc/systemd/system/indicovm-firstboot.service + /usr/local/sbin/indicovm-firstboot
 *   /etc/indicovm/templates/indico.conf       → D/etc/indico.conf (rendered with the secrets)
 *   /etc/indicovm/templates/redis.conf        → /etc/redis/indico.conf (included last from redis.conf)
 *   /etc/indicovm/host.env                    distro facts for the first-boot script (written at run time)
 *   /etc/indicovm/secrets.env                 generated secrets, 0600 (written by the first-boot script)
 *   /etc/indicovm/indicovm.cil                SELinux module (EL only)
 *   S/ffdhe2048, S/indico.crt, S/indico.key   TLS (self-signed per instance unless ssl-cert/ssl-key given)
 * Units enabled: postgresql, redis-server|redis, nginx|apache2|httpd, indico-uwsgi, indico-celery,
 * indico-celery-beat, indicovm-firstboot. The Indico units carry ConditionPathExists on the venv, so
 * with install-indico: false they are enabled but stay inactive instead of failing.
 *
 * Per instance: indicovm-firstboot.service runs while /var/lib/indicovm/firstboot.done is missing and
 * regenerates the Redis password, SECRET_KEY, PostgreSQL password and self-signed certificate (those
 * not given as options). The provisioning script runs the same logic (step "Per-instance secrets"),
 * so a stock image booted with this script as user-data gets its secrets once; an image sealer deletes
 * the stamp (and may delete /etc/indicovm/secrets.env) so every clone regenerates them.
 *
 * Script interface: `sh provision.sh` (as root) installs; `sh provision.sh --detect-only` prints
 * `family=debian|el id=… version=…` and exits (3 on an unsupported distribution);
 * env INDICOVM_OS_RELEASE overrides the os-release path (default /etc/os-release).
 */
import type { Secret } from '../secret.js';
import { PATHS, recipeContext, UNITS, type RecipeContext, type RecipeOptions } from './context.js';
import { firstbootScript } from './firstboot.js';
import { indicoConfTemplate, redisDropInTemplate } from './indico-config.js';
import {
  configurationFiles,
  provisioningScript,
  SELINUX_MODULE,
  type RecipeFile,
  type RecipeFiles,
} from './script.js';
import { celeryBeatUnit, celeryWorkerUnit, firstbootUnit, uwsgiIni, uwsgiUnit } from './services.js';
import { apacheVhost, FFDHE2048, nginxVhost } from './web-server.js';

export type { RecipeOptions } from './context.js';
export type { RecipeFile } from './script.js';

/** One provisioning script plus the files it installs: what the build runs over SSH and cloud-init embeds. */
export interface RenderedRecipe {
  readonly script: string;
  readonly files: readonly { readonly path: string; readonly mode: number; readonly content: string }[];
}

function webServerFile(ctx: RecipeContext): RecipeFile {
  if (ctx.options.webServer === 'nginx') {
    return { path: '/etc/nginx/conf.d/indico.conf', mode: 0o644, content: nginxVhost(ctx) };
  }
  // Debian's path; on EL the script writes the same content to /etc/httpd/conf.d/indico.conf.
  return { path: '/etc/apache2/sites-available/indico.conf', mode: 0o644, content: apacheVhost(ctx) };
}

function secretFile(path: string, secret: Secret): RecipeFile {
  return { path, mode: 0o600, content: secret.reveal() };
}

/** From Indico's EL guide: uWSGI (unconfined_service_t) creates its socket as web-server writable, and the web server may connect to it. */
function selinuxModule(): string {
  return `; indicovm: the web server and the uWSGI socket (from Indico's EL guide)
(typetransition unconfined_service_t usr_t sock_file "uwsgi.sock" httpd_sys_rw_content_t)
(allow httpd_t unconfined_service_t (unix_stream_socket (connectto)))
`;
}

function recipeFiles(ctx: RecipeContext): RecipeFiles {
  const unit = (name: string, content: string): RecipeFile => ({
    path: `${PATHS.unitDir}/${name}`,
    mode: 0o644,
    content,
  });
  return {
    webServerConfig: webServerFile(ctx),
    dhParams: { path: ctx.dhParamPath, mode: 0o644, content: FFDHE2048 },
    givenCert: ctx.givenCert && { path: ctx.certPath, mode: 0o644, content: ctx.givenCert.cert },
    givenKey: ctx.givenCert && secretFile(ctx.keyPath, ctx.givenCert.key),
    indicoConfTemplate: {
      path: `${PATHS.templateDir}/indico.conf`,
      mode: 0o600,
      content: indicoConfTemplate(ctx),
    },
    redisTemplate: {
      path: `${PATHS.templateDir}/redis.conf`,
      mode: 0o600,
      content: redisDropInTemplate(ctx),
    },
    uwsgiIni: { path: PATHS.uwsgiIni, mode: 0o644, content: uwsgiIni(ctx) },
    units: [
      unit(UNITS.uwsgi, uwsgiUnit(ctx)),
      unit(UNITS.celery, celeryWorkerUnit(ctx)),
      unit(UNITS.celeryBeat, celeryBeatUnit(ctx)),
    ],
    firstbootScript: { path: PATHS.firstbootScript, mode: 0o755, content: firstbootScript(ctx) },
    firstbootUnit: { path: PATHS.firstbootUnit, mode: 0o644, content: firstbootUnit() },
    selinuxModule: {
      path: SELINUX_MODULE,
      mode: 0o644,
      content: selinuxModule(),
    },
  };
}

export function renderRecipe(options: RecipeOptions): RenderedRecipe {
  const ctx = recipeContext(options);
  const files = recipeFiles(ctx);
  const list: RecipeFile[] = [
    files.webServerConfig,
    files.dhParams,
    ...(files.givenCert ? [files.givenCert] : []),
    ...(files.givenKey ? [files.givenKey] : []),
    ...configurationFiles(files),
    files.selinuxModule,
  ];
  return { script: provisioningScript(ctx, files), files: list };
}
