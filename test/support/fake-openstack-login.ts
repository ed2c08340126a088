/** FAKE_USER's login at a FakeOpenStack, as the client's AuthSettings and as the actions' inputs. */
import type { AuthSettings } from '../../shared/openstack/auth-settings.js';
import { Secret } from '../../shared/secret.js';
import { FAKE_USER, type FakeOpenStack } from './fake-openstack.js';

export function fakeLoginSettings(fake: FakeOpenStack, extra: Partial<AuthSettings> = {}): AuthSettings {
  return {
    authUrl: fake.authUrl,
    username: FAKE_USER.name,
    password: new Secret(FAKE_USER.password),
    projectName: FAKE_USER.project,
    userDomainName: FAKE_USER.domain,
    projectDomainName: FAKE_USER.domain,
    ...extra,
  };
}

export function fakeLoginInputs(fake: FakeOpenStack): Record<string, string> {
  return {
    'auth-url': fake.authUrl,
    username: FAKE_USER.name,
    password: FAKE_USER.password,
    'project-name': FAKE_USER.project,
    'user-domain-name': FAKE_USER.domain,
    'project-domain-name': FAKE_USER.domain,
  };
}
