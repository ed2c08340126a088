import * as o from '../kinds.js';
import { IMAGE_FORMATS } from './build.js';

// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const NAME = /^[^\u0000-\u001f\u007f]{1,255}$/;
const nameOf = (description: string) =>
  o.string({ description, pattern: NAME, patternText: 'a name of 1 to 255 printable characters' });

export const deployOptions = {
  imagePath: o.path({ description: 'Image file to upload to Glance' }),
  imageArtifact: o.string({
    description: 'Workflow artifact holding the image (from action-build-image)',
    pattern: /^[A-Za-z0-9._-]{1,128}$/,
    patternText: 'an artifact name',
  }),
  imageName: nameOf('Glance image name (default: the file name)'),
  diskFormat: o.choice(['auto', ...IMAGE_FORMATS.map((f) => (f === 'vpc' ? 'vhd' : f)), 'iso'] as const, {
    description: 'Glance disk_format (auto: from the image file)',
    default: 'auto',
  }),
  containerFormat: o.choice(['bare', 'ovf', 'ova'], {
    description: 'Glance container_format',
    default: 'bare',
  }),
  visibility: o.choice(['private', 'shared', 'community', 'public'], {
    description: 'Glance image visibility',
    default: 'private',
  }),
  properties: o.keyValues({
    description: 'Image properties, k=v per line or comma-separated (e.g. os=LINUX)',
    default: {},
  }),
  tags: o.list(nameOf('tag'), { description: 'Image tags', default: [] }),
  minDisk: o.integer({ description: 'Minimum disk (GiB) for the image', default: 0, min: 0, max: 1_000_000 }),
  minRam: o.integer({ description: 'Minimum RAM (MiB) for the image', default: 0, min: 0, max: 100_000_000 }),
  reuseImage: o.boolean({
    description: 'Reuse an active image with the same SHA-512 instead of uploading',
    default: false,
  }),
  keepImages: o.integer({
    description: 'Keep this many newest images with the same name prefix; delete older ones (0: keep all)',
    default: 0,
    min: 0,
    max: 1000,
  }),
  importMethod: o.choice(['auto', 'direct', 'glance-direct'], {
    description: 'Upload with PUT /file (direct), stage + import (glance-direct), or auto',
    default: 'auto',
  }),
  sourceImage: nameOf(
    'Existing image (name or ID) to boot with generated cloud-init user-data instead of uploading',
  ),
  flavor: nameOf('Nova flavor (name or ID)'),
  network: o.list(nameOf('network'), {
    description: 'Networks (name, ID, auto or none); several allowed',
    default: ['auto'],
  }),
  securityGroups: o.list(nameOf('security group'), {
    description: 'Security groups (names or IDs)',
    default: [],
  }),
  keyName: nameOf('Existing Nova key pair'),
  publicKey: o.string({
    description: 'OpenSSH public key to register as a key pair for this server',
    pattern:
      /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+( [^\n]*)?$/,
    patternText: 'one OpenSSH public key line',
  }),
  bootVolumeSize: o.integer({
    description:
      "Boot from a new Cinder volume of this size (GiB) made from the image, instead of the flavor's disk (needed for flavors with zero disk)",
    min: 1,
    max: 1_000_000,
    unit: 'GiB',
  }),
  volumeType: nameOf('Cinder volume type of the boot volume (with boot-volume-size; needs Nova API 2.67)'),
  deleteOnTermination: o.boolean({
    description:
      'Delete the boot volume when the server is deleted (with boot-volume-size); a failed run removes it either way',
    default: true,
  }),
  availabilityZone: nameOf('Availability zone'),
  metadata: o.keyValues({ description: 'Server metadata, k=v per line or comma-separated', default: {} }),
  configDrive: o.boolean({ description: 'Attach a config drive', default: false }),
  floatingIpNetwork: nameOf('External network to allocate a floating IP from (needs Neutron)'),
  serverName: o.string({
    description: 'Nova server name',
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    patternText: 'letters, digits, ., _ and - (a valid host name label)',
    origin: 'guest_machine.name',
  }),
  replace: o.boolean({
    description: 'Replace a server of the same name once the new one is ACTIVE',
    default: false,
  }),
  waitTimeout: o.duration({ description: 'How long to wait for the image and the server', default: 1800 }),
  hostKeyTimeout: o.duration({
    description:
      "How long to read the console log for the SSH host keys cloud-init prints once it has finished (they are printed after the stock-image path's provisioning)",
    default: 180,
  }),
  keepOnFailure: o.boolean({ description: 'Keep what a failed run created (for debugging)', default: false }),
  userDataPath: o.path({
    description:
      "Also write the generated user-data (stock-image path) to this file, mode 0600, inside the workspace or RUNNER_TEMP; a failed run removes it. It holds the recipe's secrets: do not upload it",
  }),
  allowUserDataOutsideWorkspace: o.boolean({
    description: 'Let user-data-path name a file outside the workspace and RUNNER_TEMP',
    default: false,
  }),
} satisfies o.OptionGroup;

/** gen-user-data exists to write the file, so it has a default path. */
export const genUserDataOptions = {
  userDataPath: o.path({
    description: 'Where to write the user-data (mode 0600)',
    default: 'user-data.mime',
  }),
} satisfies o.OptionGroup;
