import * as o from '../kinds.js';

/** Keystone v3 authentication, with the openstack CLI's OS_* variables as fallbacks. */
export const openstackAuthOptions = {
  cloud: o.string({
    description: 'Entry of clouds.yaml to use (with secure.yaml)',
    env: ['OS_CLOUD'],
    pattern: /^[A-Za-z0-9._-]{1,128}$/,
    patternText: 'a clouds.yaml entry name',
  }),
  authUrl: o.url({ description: 'Keystone v3 URL', env: ['OS_AUTH_URL'] }),
  // Named apart from manage's SSH user (ssh-username): both were `username`, which indicovm.yml's
  // top level cannot tell apart. The old names stay accepted where they mean one thing.
  osUsername: o.string({
    description: 'OpenStack user name',
    env: ['OS_USERNAME'],
    maxLength: 255,
    aliases: ['username'],
  }),
  osPassword: o.secret({ description: 'OpenStack password', env: ['OS_PASSWORD'], aliases: ['password'] }),
  userDomainName: o.string({
    description: 'Domain of the user',
    env: ['OS_USER_DOMAIN_NAME'],
    maxLength: 255,
  }),
  projectName: o.string({
    description: 'Project to scope to',
    env: ['OS_PROJECT_NAME', 'OS_TENANT_NAME'],
    maxLength: 255,
  }),
  projectId: o.string({
    description: 'Project ID to scope to',
    env: ['OS_PROJECT_ID', 'OS_TENANT_ID'],
    maxLength: 255,
  }),
  projectDomainName: o.string({
    description: 'Domain of the project',
    env: ['OS_PROJECT_DOMAIN_NAME'],
    maxLength: 255,
  }),
  regionName: o.string({
    description: 'Region for the service catalog',
    env: ['OS_REGION_NAME'],
    maxLength: 255,
  }),
  interface: o.choice(['public', 'internal', 'admin'], {
    description: 'Endpoint interface from the catalog',
    default: 'public',
    env: ['OS_INTERFACE'],
  }),
  applicationCredentialId: o.string({
    description: 'Application credential ID (recommended for CI)',
    env: ['OS_APPLICATION_CREDENTIAL_ID'],
    maxLength: 255,
  }),
  applicationCredentialName: o.string({
    description: 'Application credential name (with os-username)',
    env: ['OS_APPLICATION_CREDENTIAL_NAME'],
    maxLength: 255,
  }),
  applicationCredentialSecret: o.secret({
    description: 'Application credential secret',
    env: ['OS_APPLICATION_CREDENTIAL_SECRET'],
  }),
  token: o.secret({ description: 'An existing Keystone token', env: ['OS_TOKEN'] }),
  cacert: o.path({ description: 'CA bundle to verify the endpoints', env: ['OS_CACERT'] }),
  insecure: o.boolean({
    description: 'Skip TLS verification (tests only)',
    default: false,
    env: ['OS_INSECURE'],
  }),
  allowInsecureEndpoints: o.boolean({
    description:
      'Send the token to catalog endpoints that use http while auth-url uses https (each one is warned about)',
    default: false,
  }),
  apiTimeout: o.duration({
    description:
      'Time one attempt of an OpenStack API request may take from connect to the last byte, plus one second per MiB it moves',
    default: 300,
    env: ['OS_API_TIMEOUT'],
  }),
  apiRetryBudget: o.duration({
    description: 'Time the retries of one OpenStack API request may take in all, waits included',
    default: 600,
  }),
} satisfies o.OptionGroup;
