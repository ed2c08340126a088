export {
  connect,
  SshSession,
  type ScriptOptions,
  type UploadOptions,
  type ExecOptions,
  type ExecResult,
  type LocalForward,
} from './session.js';
export type { SshConnectOptions, SshEndpoint, RetryOptions } from './options.js';
export {
  HostKeyMismatchError,
  SshAuthenticationError,
  SshConnectionError,
  SshConnectionLostError,
  CommandTimeoutError,
} from './errors.js';
export {
  fingerprintOf,
  parseHostKeys,
  parseKnownHosts,
  parseFingerprint,
  HostKeyPolicy,
} from './host-key.js';
export { sshConnectOptions, type SshOptionValues } from './from-options.js';
