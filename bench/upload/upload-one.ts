// One upload with indicovm's Glance client, as its own process so that its peak RSS can be measured:
// create, stream the file (hashing it on the way), wait for active, verify, print the result as JSON.
import { basename } from 'node:path';
import { OpenStackSession } from '../../shared/openstack/auth.js';
import { Glance } from '../../shared/openstack/glance.js';
import { TerminalReporter } from '../../shared/report/terminal.js';
import { Secret } from '../../shared/secret.js';

const [file, name] = process.argv.slice(2);
if (!file || !name) {
  throw new Error('usage: upload-one.ts FILE IMAGE-NAME (credentials from OS_* variables)');
}
const env = (key: string): string => {
  const value = process.env[key];
  if (!value) throw new Error(`${key} is not set`);
  return value;
};
const session = await OpenStackSession.open(
  {
    authUrl: env('OS_AUTH_URL'),
    username: env('OS_USERNAME'),
    password: new Secret(env('OS_PASSWORD')),
    projectName: env('OS_PROJECT_NAME'),
    userDomainName: process.env.OS_USER_DOMAIN_NAME ?? 'Default',
    projectDomainName: process.env.OS_PROJECT_DOMAIN_NAME ?? 'Default',
    regionName: process.env.OS_REGION_NAME,
  },
  { reporter: new TerminalReporter(), cloudsYaml: { env: {}, cwd: process.cwd() } },
);
const { image, digests, method } = await new Glance(session).uploadImage({ name, diskFormat: 'raw' }, file, {
  pollMs: 200,
  timeoutMs: 10 * 60_000,
});
process.stdout.write(
  JSON.stringify({ id: image.id, file: basename(file), size: digests.size, sha512: digests.sha512, method }) +
    '\n',
);
