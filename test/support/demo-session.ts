/** The loopback cloud's demo user, signed in as the suites that search the cloud for leftovers do. */
import { OpenStackSession } from '../../shared/openstack/auth.js';
import { passwordAuth, type CloudFacts } from './openstack.js';
import { silentReporter } from './recording-reporter.js';

/** cwd: where the session would look for a clouds.yaml (an empty folder: none is read). */
export function openDemoSession(facts: CloudFacts, cwd: string): Promise<OpenStackSession> {
  return OpenStackSession.open(passwordAuth(facts, facts.users.demo), {
    reporter: silentReporter,
    cloudsYaml: { env: {}, cwd },
  });
}
