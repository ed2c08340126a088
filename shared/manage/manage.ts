import { ConfigurationError, NotBuiltYetError } from '../errors.js';
import type { Values } from '../options/kinds.js';
import { manageCommand } from '../options/commands.js';
import type { Reporter } from '../report/reporter.js';

export type ManageOptions = Values<typeof manageCommand.options>;

export interface ManageResult {
  readonly changed: Record<string, readonly string[]>;
  readonly stdout?: string;
  readonly status?: Record<string, string>;
  readonly backupPath?: string;
}

/** What each task needs beyond the connection, checked for the whole list before connecting. */
const TASK_NEEDS: Readonly<Record<string, readonly (keyof ManageOptions)[]>> = {
  'load-ssl': ['sslCert', 'sslKey'],
  'update-server': ['serverName'],
  'update-redis': ['redisPassword'],
  'update-smtp': ['smtpServer'],
  config: ['sslCert', 'sslKey', 'serverName', 'redisPassword', 'smtpServer'],
  run: ['script'],
};

export function checkManageOptions(options: ManageOptions): void {
  const problems: string[] = [];
  if (!options.host) {
    problems.push("Missing option 'host': the address of the VM (output address of action-deploy).");
  }
  if (!options.tasks || options.tasks.length === 0) {
    problems.push(
      "Missing option 'tasks': say which tasks to run, e.g. tasks: load-ssl,update-server,restart.",
    );
  }
  if (!options.sshKey && !options.password && !process.env.SSH_AUTH_SOCK) {
    problems.push("No SSH credentials: set 'ssh-key' (preferred) or 'password', or run an ssh-agent.");
  }
  if (
    !options.hostKeys &&
    options.fingerprint.length === 0 &&
    !options.knownHosts &&
    !options.insecureAcceptHostKey
  ) {
    problems.push(
      "The host key cannot be verified: set 'host-keys' (output of action-deploy), 'fingerprint' or 'known-hosts' " +
        "('insecure-accept-host-key: true' accepts any key, for first contact only).",
    );
  }
  if (options.proxyHost && !options.proxySshKey && !options.sshKey) {
    problems.push("The jump host needs a key: set 'proxy-ssh-key' (or 'ssh-key', used for both).");
  }
  for (const task of options.tasks ?? []) {
    for (const key of TASK_NEEDS[task] ?? []) {
      if (options[key] === undefined || options[key] === '') {
        const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
        problems.push(`Task '${task}' needs option '${name}'.`);
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError([...new Set(problems)].join('\n'));
  }
}

export async function manage(options: ManageOptions, _reporter: Reporter): Promise<ManageResult> {
  checkManageOptions(options);
  throw new NotBuiltYetError(`The management tasks over SSH (${(options.tasks ?? []).join(', ')})`);
}
