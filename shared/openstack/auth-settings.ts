import { ConfigurationError } from '../errors.js';
import type { openstackAuthOptions } from '../options/catalog/openstack.js';
import type { Values } from '../options/kinds.js';
import type { SourceKind } from '../options/resolve.js';
import type { Secret } from '../secret.js';

/**
 * What is known about how to log in to a cloud, from the options (inputs, flags, OS_* variables) and from
 * clouds.yaml. Every field is optional here; planAuth() decides what is enough.
 */
export interface AuthSettings {
  readonly cloud?: string;
  /** From clouds.yaml's auth_type; without it the method follows from which secrets are given. */
  readonly authType?: 'password' | 'applicationCredential' | 'token';
  readonly authUrl?: string;
  readonly username?: string;
  readonly userId?: string;
  readonly password?: Secret;
  readonly userDomainName?: string;
  readonly userDomainId?: string;
  readonly projectName?: string;
  readonly projectId?: string;
  readonly projectDomainName?: string;
  readonly projectDomainId?: string;
  readonly applicationCredentialId?: string;
  readonly applicationCredentialName?: string;
  readonly applicationCredentialSecret?: Secret;
  readonly token?: Secret;
  readonly regionName?: string;
  readonly interface?: string;
  readonly cacert?: string;
  readonly insecure?: boolean;
  /** Accept http catalog endpoints under an https auth-url. */
  readonly allowInsecureEndpoints?: boolean;
  /** Seconds one attempt of a request may take (clouds.yaml's api_timeout). */
  readonly apiTimeout?: number;
  /** Seconds the retries of one request may take in all. */
  readonly apiRetryBudget?: number;
}

/** Explicit settings win field by field over the clouds.yaml entry. */
export function overlaySettings(cloud: AuthSettings, explicit: AuthSettings): AuthSettings {
  const out: Record<string, unknown> = { ...cloud };
  for (const [key, value] of Object.entries(explicit)) {
    if (value !== undefined && value !== '') {
      out[key] = value;
    }
  }
  return out as AuthSettings;
}

/** The Keystone default domain, which the openstack CLI also assumes when no domain is given. */
const DEFAULT_DOMAIN_ID = 'default';

export type Identity =
  { readonly id: string } | { readonly name: string; readonly domain: { id: string } | { name: string } };

export type AuthPlan =
  | {
      readonly method: 'password';
      readonly user: Identity;
      readonly password: Secret;
      readonly project: Identity;
    }
  | {
      readonly method: 'applicationCredential';
      readonly credential: { id: string } | { name: string; user: Identity };
      readonly secret: Secret;
    }
  | { readonly method: 'token'; readonly token: Secret; readonly project: Identity };

export interface ResolvedAuth {
  readonly authUrl: string;
  readonly plan: AuthPlan;
  readonly regionName?: string;
  readonly interface: 'public' | 'internal' | 'admin';
  readonly cacert?: string;
  readonly insecure: boolean;
  readonly allowInsecureEndpoints: boolean;
  readonly apiTimeoutMs?: number;
  readonly apiRetryBudgetMs?: number;
}

function domainOf(id: string | undefined, name: string | undefined): { id: string } | { name: string } {
  if (id) {
    return { id };
  }
  return name ? { name } : { id: DEFAULT_DOMAIN_ID };
}

/**
 * Chooses the Keystone method and checks that everything it needs is there. `source` names where the
 * settings came from, so that the error says where to add what is missing.
 */
export function planAuth(settings: AuthSettings): ResolvedAuth {
  const where = settings.cloud ? ` (cloud '${settings.cloud}' in clouds.yaml, or the options)` : '';
  const missing = (what: string): never => {
    throw new ConfigurationError(`OpenStack authentication: ${what} is missing${where}.`);
  };
  const authUrl = settings.authUrl ?? missing('the Keystone URL (auth-url / OS_AUTH_URL)');
  if (!/^https?:\/\//.test(authUrl)) {
    throw new ConfigurationError(
      `auth-url must be an http:// or https:// URL of Keystone (got '${authUrl}')`,
    );
  }
  const method =
    settings.authType ??
    (settings.token
      ? 'token'
      : settings.applicationCredentialSecret || settings.applicationCredentialId
        ? 'applicationCredential'
        : 'password');

  const user = (): Identity => {
    if (settings.userId) {
      return { id: settings.userId };
    }
    const name = settings.username ?? missing('the user name (os-username / OS_USERNAME)');
    return { name, domain: domainOf(settings.userDomainId, settings.userDomainName) };
  };
  const project = (): Identity => {
    if (settings.projectId) {
      return { id: settings.projectId };
    }
    const name =
      settings.projectName ??
      missing('the project (project-name / OS_PROJECT_NAME, or project-id / OS_PROJECT_ID)');
    return { name, domain: domainOf(settings.projectDomainId, settings.projectDomainName) };
  };

  let plan: AuthPlan;
  switch (method) {
    case 'token':
      plan = { method, token: settings.token ?? missing('the token (token / OS_TOKEN)'), project: project() };
      break;
    case 'applicationCredential': {
      const secret =
        settings.applicationCredentialSecret ??
        missing(
          'the application credential secret (application-credential-secret / OS_APPLICATION_CREDENTIAL_SECRET)',
        );
      let credential: { id: string } | { name: string; user: Identity };
      if (settings.applicationCredentialId) {
        credential = { id: settings.applicationCredentialId };
      } else if (settings.applicationCredentialName) {
        credential = { name: settings.applicationCredentialName, user: user() };
      } else {
        return missing(
          'the application credential ID (application-credential-id / OS_APPLICATION_CREDENTIAL_ID) or its name with the user name',
        );
      }
      plan = { method, credential, secret };
      break;
    }
    default:
      plan = {
        method: 'password',
        user: user(),
        password: settings.password ?? missing('the password (os-password / OS_PASSWORD)'),
        project: project(),
      };
  }

  const iface = (settings.interface ?? 'public').replace(/URL$/, '');
  if (iface !== 'public' && iface !== 'internal' && iface !== 'admin') {
    throw new ConfigurationError(`interface must be public, internal or admin (got '${settings.interface}')`);
  }
  return {
    authUrl,
    plan,
    regionName: settings.regionName || undefined,
    interface: iface,
    cacert: settings.cacert || undefined,
    insecure: settings.insecure ?? false,
    allowInsecureEndpoints: settings.allowInsecureEndpoints ?? false,
    ...(settings.apiTimeout ? { apiTimeoutMs: settings.apiTimeout * 1000 } : {}),
    ...(settings.apiRetryBudget ? { apiRetryBudgetMs: settings.apiRetryBudget * 1000 } : {}),
  };
}

/** The Keystone v3 request body for a plan; the only place secrets are revealed. */
export function authRequestBody(plan: AuthPlan): unknown {
  switch (plan.method) {
    case 'password':
      return {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { ...plan.user, password: plan.password.reveal() } },
          },
          scope: { project: plan.project },
        },
      };
    case 'token':
      return {
        auth: {
          identity: { methods: ['token'], token: { id: plan.token.reveal() } },
          scope: { project: plan.project },
        },
      };
    case 'applicationCredential':
      // An application credential is bound to its project; Keystone refuses an explicit scope.
      return {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: { ...plan.credential, secret: plan.secret.reveal() },
          },
        },
      };
  }
}

type OptionValues = Partial<Values<typeof openstackAuthOptions>>;

/**
 * The resolved openstack options as auth settings. Values that only come from an option's default
 * (interface: public, insecure: false) are dropped, so that a clouds.yaml entry can still set them.
 */
export function authSettingsFromOptions(
  values: OptionValues,
  sources: Partial<Record<keyof OptionValues, SourceKind>> = {},
): AuthSettings {
  const given = <K extends keyof OptionValues>(key: K): OptionValues[K] | undefined =>
    sources[key] === 'default' ? undefined : values[key];
  return {
    cloud: given('cloud'),
    authUrl: given('authUrl'),
    username: given('osUsername'),
    password: given('osPassword'),
    userDomainName: given('userDomainName'),
    projectName: given('projectName'),
    projectId: given('projectId'),
    projectDomainName: given('projectDomainName'),
    regionName: given('regionName'),
    interface: given('interface'),
    applicationCredentialId: given('applicationCredentialId'),
    applicationCredentialName: given('applicationCredentialName'),
    applicationCredentialSecret: given('applicationCredentialSecret'),
    token: given('token'),
    cacert: given('cacert'),
    insecure: given('insecure'),
    allowInsecureEndpoints: given('allowInsecureEndpoints'),
    apiTimeout: given('apiTimeout'),
    apiRetryBudget: given('apiRetryBudget'),
  };
}
