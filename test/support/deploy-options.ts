/** Deploy options as the CLI resolves them from flags, over the flags every unit test of deploy sets. */
import type { DeployOptions } from '../../shared/deploy/deploy.js';
import { deployCommand } from '../../shared/options/commands.js';
import { resolveOptions } from '../../shared/options/resolve.js';

/** Port 1 of loopback: a test that does reach for the cloud fails at once instead of logging in anywhere. */
export const DEPLOY_BASE: Readonly<Record<string, string>> = {
  'auth-url': 'http://127.0.0.1:1/v3',
  flavor: 'm1.tiny',
  'server-name': 'indico',
};

/** DEPLOY_BASE with `flags` over it, resolved as the deploy command resolves its flags (no environment). */
export function deployOptions(flags: Record<string, string> = {}): DeployOptions {
  return resolveOptions(deployCommand, {
    explicit: { ...DEPLOY_BASE, ...flags },
    explicitKind: 'flag',
    env: {},
  }).values;
}
