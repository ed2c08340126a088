import { PATHS, PLACEHOLDER, UNITS, type RecipeContext } from './context.js';
import { sqlIdentifier } from './escape.js';
import { shellFile, variableLines } from './sh-file.js';

/**
 * The per-instance secrets script, run by indicovm-firstboot.service on the first boot of every
 * instance (the sealer deletes the stamp) and once at the end of provisioning.
 *   regenerate  new Redis password, SECRET_KEY, PostgreSQL password and self-signed certificate
 *               (only those not given as options), then apply and write the stamp
 *   apply       re-render the live configs from the templates and the stored secrets (a second
 *               provisioning run); generates only what is missing
 * Live files are rewritten only when their content differs, and only running services are restarted,
 * so at boot (ordered before the services) nothing is restarted and a repeated apply changes nothing.
 */
export function firstbootScript(ctx: RecipeContext): string {
  const o = ctx.options;
  // Only what no option gave is generated, and only that is ever replaced.
  const generated = [
    ctx.redisPassword === undefined ? 'REDIS_PASSWORD' : undefined,
    ctx.secretKey === undefined ? 'SECRET_KEY' : undefined,
    ctx.dbPassword === undefined ? 'DB_PASSWORD' : undefined,
  ].filter((name) => name !== undefined);
  const variables = variableLines([
    ['HOST_ENV', PATHS.hostEnv],
    ['SECRETS', PATHS.secretsEnv],
    ['TEMPLATES', PATHS.templateDir],
    ['STAMP', PATHS.stamp],
    ['REPLACED', PATHS.replacedSecrets],
    ['INSTALL_DIR', ctx.installDir],
    ['INDICO_USER', o.indicoUser],
    ['DB_USER', o.dbUser],
    // The role as an SQL identifier, quoted for psql already: it goes into the SQL as it is.
    ['DB_ROLE_SQL', sqlIdentifier(o.dbUser)],
    ['SERVER_NAME', ctx.host],
    ['SSL_CERT', ctx.certPath],
    ['SSL_KEY', ctx.keyPath],
    ['SELF_SIGNED', ctx.givenCert === undefined ? 'yes' : 'no'],
    ['GENERATED_SECRETS', generated.join(' ')],
    ['REDIS_PASSWORD_PLACEHOLDER', PLACEHOLDER.redisPassword],
    ['SECRET_KEY_PLACEHOLDER', PLACEHOLDER.secretKey],
    ['DB_PASSWORD_PLACEHOLDER', PLACEHOLDER.dbPassword],
    ['UWSGI_UNIT', UNITS.uwsgi],
    ['CELERY_UNIT', UNITS.celery],
    ['CELERY_BEAT_UNIT', UNITS.celeryBeat],
  ]);
  return `#!/bin/sh\n${shellFile('firstboot.sh', { variables })}`;
}
