import { PATHS } from '../../recipe/context.js';
import { readPemInputs } from '../../recipe/pem-inputs.js';
import type { RecipeOptions } from '../../recipe/render.js';
import { editVhost, vhostTlsPaths, vhostTlsPort } from '../edit/vhost.js';
import { setShellAssignment } from '../edit/shell-assignment.js';
import { changeFiles } from '../remote/file-edit.js';
import { reloadOrStart, testWebConfig } from '../remote/services.js';
import { waitForCertificate } from '../remote/tls-probe.js';
import type { ManageOptions } from '../options.js';
import { checkTls, type CheckedTls } from '../tls-check.js';
import { mustApply, type TaskContext, type TaskOutcome } from '../task.js';

export const DEFAULT_CERT = '/etc/ssl/indico/indico.crt';
const DEFAULT_KEY = '/etc/ssl/indico/indico.key';

/** The certificate, key and chain inputs (PEM text or paths), read and checked locally. */
export function checkedTls(o: ManageOptions): CheckedTls {
  const pem = readPemInputs({ sslCert: o.sslCert, sslKey: o.sslKey, sslChain: o.sslChain } as RecipeOptions);
  return checkTls(pem.sslCert ?? '', pem.sslKey?.reveal() ?? '', pem.sslChain);
}

/**
 * Installs a given certificate where the vhost already points (the recipe's ssl-dir), or where it
 * should point when the vhost names none; the first-boot script is told the certificate is given
 * (SELF_SIGNED=no), so a later `regenerate` keeps it instead of making a self-signed one.
 */
export async function loadSsl(ctx: TaskContext): Promise<TaskOutcome> {
  const tls = checkedTls(ctx.options);
  ctx.reporter.info(
    `Certificate ${tls.subject}, valid until ${tls.notAfter}; key matches; chain complete, up to ${tls.endsAtRoot ? `the given root ${tls.issuer}` : `the publicly trusted root ${tls.issuer}`}.`,
  );
  const facts = await ctx.facts();
  const vhost = (await ctx.session.readFile(facts.vhostPath, { sudo: true }))?.toString('utf8') ?? '';
  const named = vhostTlsPaths(facts.webServer, vhost);
  const certPath = named.cert ?? DEFAULT_CERT;
  const keyPath = named.key ?? DEFAULT_KEY;

  const changed = await changeFiles(
    ctx.session,
    [
      { path: certPath, edit: () => tls.fullChainPem, mode: 0o644 },
      { path: keyPath, edit: () => tls.keyPem, mode: 0o600, forceMode: true, owner: 'root', group: 'root' },
      {
        path: facts.vhostPath,
        edit: (current) => editVhost(facts.webServer, current, { certPath, keyPath }),
        onlyIfExists: true,
      },
      {
        path: PATHS.firstbootScript,
        edit: (current) => setShellAssignment(current ?? '', 'SELF_SIGNED', 'no'),
        onlyIfExists: true,
      },
    ],
    { testInPlace: () => testWebConfig(ctx.session, facts) },
  );
  const webChanged = mustApply(ctx, changed, (path) => path !== PATHS.firstbootScript);
  const services = webChanged ? await reloadOrStart(ctx.session, [facts.webService]) : [];
  const port = vhostTlsPort(facts.webServer, vhost);
  if (webChanged && port !== undefined) {
    await waitForCertificate(ctx.session, port, tls.fingerprint256);
  }
  return {
    changed: [...changed, ...services],
    note: changed.length > 0 ? `installed ${tls.subject} (${tls.fingerprint256})` : 'unchanged',
  };
}
