import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '../../../shared/errors.js';
import { gatherAuthSettings, selectEndpoint, type CatalogEntry } from '../../../shared/openstack/auth.js';
import {
  authRequestBody,
  authSettingsFromOptions,
  planAuth,
  type AuthSettings,
} from '../../../shared/openstack/auth-settings.js';
import {
  loadCloudEntry,
  mergeEntries,
  settingsFromCloudEntry,
} from '../../../shared/openstack/clouds-yaml.js';
import { Secret } from '../../../shared/secret.js';
import { useTempDir } from '../../support/temp-dir.js';

const root = useTempDir('clouds-yaml-');
let cwd: string;
let home: string;

const CLOUDS = `
clouds:
  prod:
    auth:
      auth_url: https://keystone.example.org:5000/v3
      username: deployer
      project_name: indico
      user_domain_name: CERN
      project_domain_name: CERN
    region_name: GVA
    interface: internal
    cacert: /etc/ssl/cern-ca.pem
  ci:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example.org:5000/v3
      application_credential_id: 0123abcd
    verify: false
`;
const SECURE = `
clouds:
  prod:
    auth:
      password: from-secure-yaml
  ci:
    auth:
      application_credential_secret: app-secret
`;

beforeAll(async () => {
  cwd = join(root(), 'work');
  home = join(root(), 'home');
  await mkdir(cwd, { recursive: true });
  await mkdir(join(home, '.config', 'openstack'), { recursive: true });
  await writeFile(join(home, '.config', 'openstack', 'clouds.yaml'), CLOUDS);
  await writeFile(join(home, '.config', 'openstack', 'secure.yaml'), SECURE);
});

describe('clouds.yaml', () => {
  it('merges secure.yaml over clouds.yaml, key by key', () => {
    expect(
      mergeEntries({ auth: { a: 1, b: 2 }, region_name: 'X', list: [1] }, { auth: { b: 3 }, list: [2] }),
    ).toEqual({
      auth: { a: 1, b: 3 },
      region_name: 'X',
      list: [2],
    });
    const { entry, files } = loadCloudEntry('prod', { env: {}, cwd, home });
    expect(files).toEqual([
      join(home, '.config/openstack/clouds.yaml'),
      join(home, '.config/openstack/secure.yaml'),
    ]);
    expect((entry.auth as Record<string, unknown>).password).toBe('from-secure-yaml');
    expect((entry.auth as Record<string, unknown>).username).toBe('deployer');
  });

  it('maps the openstacksdk keys', () => {
    const settings = gatherAuthSettings({ cloud: 'prod' }, { env: {}, cwd, home });
    expect(settings).toMatchObject({
      cloud: 'prod',
      authUrl: 'https://keystone.example.org:5000/v3',
      username: 'deployer',
      projectName: 'indico',
      userDomainName: 'CERN',
      projectDomainName: 'CERN',
      regionName: 'GVA',
      interface: 'internal',
      cacert: '/etc/ssl/cern-ca.pem',
      insecure: undefined,
    });
    expect(settings.password?.reveal()).toBe('from-secure-yaml');
    const ci = gatherAuthSettings({ cloud: 'ci' }, { env: {}, cwd, home });
    expect(ci).toMatchObject({
      authType: 'applicationCredential',
      applicationCredentialId: '0123abcd',
      insecure: true,
    });
    expect(ci.applicationCredentialSecret?.reveal()).toBe('app-secret');
  });

  it('lets explicit options win over the entry', () => {
    const settings = gatherAuthSettings(
      { cloud: 'prod', regionName: 'MEY', password: new Secret('explicit'), interface: undefined },
      { env: {}, cwd, home },
    );
    expect(settings.regionName).toBe('MEY');
    expect(settings.interface).toBe('internal');
    expect(settings.password?.reveal()).toBe('explicit');
  });

  it('searches ./, then XDG_CONFIG_HOME, and OS_CLIENT_CONFIG_FILE first of all', async () => {
    const xdg = join(root(), 'xdg');
    await mkdir(join(xdg, 'openstack'), { recursive: true });
    await writeFile(join(xdg, 'openstack', 'clouds.yaml'), 'clouds:\n  prod:\n    region_name: FROM-XDG\n');
    expect(loadCloudEntry('prod', { env: { XDG_CONFIG_HOME: xdg }, cwd, home }).entry.region_name).toBe(
      'FROM-XDG',
    );

    const local = join(root(), 'local');
    await mkdir(local);
    await writeFile(join(local, 'clouds.yaml'), 'clouds:\n  prod:\n    region_name: FROM-CWD\n');
    expect(
      loadCloudEntry('prod', { env: { XDG_CONFIG_HOME: xdg }, cwd: local, home }).entry.region_name,
    ).toBe('FROM-CWD');

    const explicitFile = join(root(), 'explicit.yaml');
    await writeFile(explicitFile, 'clouds:\n  prod:\n    region_name: FROM-ENV\n');
    expect(
      loadCloudEntry('prod', {
        env: { XDG_CONFIG_HOME: xdg, OS_CLIENT_CONFIG_FILE: explicitFile },
        cwd: local,
        home,
      }).entry.region_name,
    ).toBe('FROM-ENV');
  });

  it('names the missing cloud, where it looked and what exists', () => {
    expect(() => loadCloudEntry('staging', { env: {}, cwd, home })).toThrow(
      /cloud 'staging' is not defined \(looked in .*clouds\.yaml.*\); defined clouds: prod, ci/,
    );
  });

  it('refuses an auth_type it does not support', () => {
    expect(() => settingsFromCloudEntry('x', { auth_type: 'v3oidcpassword', auth: {} })).toThrow(
      ConfigurationError,
    );
  });
});

describe('planAuth', () => {
  const base: AuthSettings = { authUrl: 'http://127.0.0.1:5000/v3' };

  it('uses the password method, defaulting both domains like the openstack CLI', () => {
    const resolved = planAuth({ ...base, username: 'demo', password: new Secret('pw'), projectName: 'demo' });
    expect(resolved.interface).toBe('public');
    expect(JSON.parse(JSON.stringify(authRequestBody(resolved.plan)))).toEqual({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: 'demo', domain: { id: 'default' }, password: 'pw' } },
        },
        scope: { project: { name: 'demo', domain: { id: 'default' } } },
      },
    });
  });

  it('prefers IDs over names', () => {
    const resolved = planAuth({
      ...base,
      userId: 'u1',
      password: new Secret('pw'),
      projectId: 'p1',
      projectName: 'ignored',
    });
    expect(authRequestBody(resolved.plan)).toMatchObject({
      auth: { identity: { password: { user: { id: 'u1' } } }, scope: { project: { id: 'p1' } } },
    });
  });

  it('sends an application credential without a scope', () => {
    const byId = planAuth({
      ...base,
      applicationCredentialId: 'ac1',
      applicationCredentialSecret: new Secret('s'),
    });
    expect(authRequestBody(byId.plan)).toEqual({
      auth: {
        identity: { methods: ['application_credential'], application_credential: { id: 'ac1', secret: 's' } },
      },
    });
    const byName = planAuth({
      ...base,
      applicationCredentialName: 'ci',
      username: 'demo',
      userDomainName: 'Default',
      applicationCredentialSecret: new Secret('s'),
    });
    expect(authRequestBody(byName.plan)).toEqual({
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: {
            name: 'ci',
            user: { name: 'demo', domain: { name: 'Default' } },
            secret: 's',
          },
        },
      },
    });
  });

  it('uses a token with a project scope', () => {
    const resolved = planAuth({
      ...base,
      token: new Secret('tok'),
      projectName: 'demo',
      projectDomainName: 'Default',
    });
    expect(authRequestBody(resolved.plan)).toEqual({
      auth: {
        identity: { methods: ['token'], token: { id: 'tok' } },
        scope: { project: { name: 'demo', domain: { name: 'Default' } } },
      },
    });
  });

  it('names what is missing by its public option name, and the cloud entry to add it to', () => {
    const message = (settings: Parameters<typeof planAuth>[0]): string => {
      try {
        planAuth(settings);
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error('planAuth accepted the settings');
    };
    const messages = [
      message({}),
      message({ ...base, username: 'demo', projectName: 'demo' }),
      message({ ...base, password: new Secret('pw'), projectName: 'demo' }),
      message({ ...base, username: 'demo', password: new Secret('pw') }),
      message({ ...base, cloud: 'prod', applicationCredentialId: 'x' }),
      message({ ...base, applicationCredentialSecret: new Secret('s') }),
      message({ authUrl: 'keystone:5000', token: new Secret('t'), projectId: 'p' }),
    ];
    expect(messages[0]).toMatch(/the Keystone URL \(auth-url \/ OS_AUTH_URL\) is missing/);
    expect(messages[1]).toMatch(/the password \(os-password \/ OS_PASSWORD\) is missing/);
    expect(messages[2]).toMatch(/the user name \(os-username \/ OS_USERNAME\)/);
    expect(messages[3]).toMatch(/the project \(project-name \/ OS_PROJECT_NAME, or project-id/);
    expect(messages[4]).toMatch(
      /application credential secret \(application-credential-secret .* is missing \(cloud 'prod' in clouds\.yaml, or the options\)/,
    );
    expect(messages[5]).toMatch(/application credential ID \(application-credential-id/);
    expect(messages[6]).toMatch(/^auth-url must be an http:\/\/ or https:\/\//);
    // Never the code's camelCase keys.
    for (const text of messages) expect(text).not.toMatch(/\b[a-z]+[A-Z][A-Za-z]*\b/);
    expect(() => planAuth({ ...base, token: new Secret('t'), projectId: 'p', interface: 'private' })).toThrow(
      /interface/,
    );
  });

  it('never shows a secret in an error', () => {
    try {
      planAuth({ ...base, password: new Secret('hunter2'), projectName: 'demo' });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
    expect.assertions(1);
  });
});

describe('authSettingsFromOptions', () => {
  it('drops values that only come from an option default', () => {
    const settings = authSettingsFromOptions(
      { cloud: 'prod', interface: 'public', insecure: false, regionName: 'GVA' },
      { cloud: 'input', interface: 'default', insecure: 'default', regionName: 'env' },
    );
    expect(settings.interface).toBeUndefined();
    expect(settings.insecure).toBeUndefined();
    expect(settings.regionName).toBe('GVA');
    expect(settings.cloud).toBe('prod');
  });
});

describe('selectEndpoint', () => {
  const catalog: CatalogEntry[] = [
    {
      type: 'compute',
      name: 'nova',
      endpoints: [
        { interface: 'public', region: 'GVA', region_id: 'GVA', url: 'https://nova.gva/v2.1/' },
        { interface: 'internal', region: 'GVA', region_id: 'GVA', url: 'http://nova.internal/v2.1' },
        { interface: 'public', region: 'MEY', region_id: 'MEY', url: 'https://nova.mey/v2.1' },
      ],
    },
    {
      type: 'image',
      name: 'glance',
      endpoints: [{ interface: 'public', region_id: 'GVA', url: 'https://glance.gva' }],
    },
  ];

  it('picks by type, interface and region, without a trailing slash', () => {
    expect(selectEndpoint(catalog, 'compute', 'public', 'GVA')).toBe('https://nova.gva/v2.1');
    expect(selectEndpoint(catalog, 'compute', 'internal', 'GVA')).toBe('http://nova.internal/v2.1');
    expect(selectEndpoint(catalog, 'compute', 'public', 'MEY')).toBe('https://nova.mey/v2.1');
    expect(selectEndpoint(catalog, 'image', 'public', undefined)).toBe('https://glance.gva');
  });

  it('finds nothing for a missing service, interface or region', () => {
    expect(selectEndpoint(catalog, 'network', 'public', 'GVA')).toBeUndefined();
    expect(selectEndpoint(catalog, 'image', 'admin', 'GVA')).toBeUndefined();
    expect(selectEndpoint(catalog, 'image', 'public', 'MEY')).toBeUndefined();
  });

  it('asks for a region rather than guessing between several', () => {
    expect(() => selectEndpoint(catalog, 'compute', 'public', undefined)).toThrow(
      /several regions \(GVA, MEY\)/,
    );
  });
});
