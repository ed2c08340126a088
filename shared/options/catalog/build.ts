import { refuseUnsafeQemuArgs } from '../../qemu/extra-args.js';
import * as o from '../kinds.js';
import { artifactRetentionOption } from './common.js';

export const IMAGE_FORMATS = ['qcow2', 'raw', 'vdi', 'vmdk', 'vpc', 'vhdx'] as const;

/** How a VM is started by qemu: shared by the image build and run-image. */
export const qemuOptions = {
  accelerator: o.choice(['kvm', 'tcg', 'auto'], {
    description:
      'qemu accelerator: kvm, tcg (software, slow) or auto (kvm when usable, else tcg with a warning)',
    default: 'auto',
    origin: 'virtualization_cmd',
  }),
  qemuBinary: o.string({
    description: 'qemu system emulator to run',
    default: 'qemu-system-x86_64',
    pattern: /^[A-Za-z0-9_./+-]+$/,
    patternText: 'a program name or path',
    origin: 'virtualization_cmd',
  }),
  memory: o.size({
    description: 'Guest memory in MiB (or with an M/G/T suffix)',
    default: 2048,
    min: 256,
    max: 1024 * 1024,
  }),
  cpus: o.integer({ description: 'Guest virtual CPUs', default: 2, min: 1, max: 64 }),
  qemuArgs: o.refined(
    o.list(o.string({ description: 'qemu argument' }), {
      description:
        'Extra qemu arguments, one per line; nothing that runs a program or listens beyond 127.0.0.1/::1',
      default: [],
      perLine: true,
    }),
    refuseUnsafeQemuArgs,
  ),
  seedName: o.string({
    description: 'File name of the NoCloud seed image',
    default: 'seed.iso',
    pattern: /^[A-Za-z0-9._-]+$/,
    patternText: 'a file name (letters, digits, ., _ and -)',
    origin: 'vd_name',
  }),
  sshTimeout: o.duration({
    description: 'How long to wait for SSH after boot (seconds, or with s/m/h)',
    default: 600,
  }),
} satisfies o.OptionGroup;

export const buildOptions = {
  baseImage: o.string({
    description: 'Base cloud image: an https URL, a local path, or glance:<name-or-id>',
    maxLength: 2048,
    origin: 'img_name',
  }),
  baseImageSha256: o.string({
    description: 'Expected SHA-256 of the base image download',
    pattern: /^[0-9a-fA-F]{64}$/,
    patternText: '64 hexadecimal digits',
  }),
  baseImageSha512: o.string({
    description: 'Expected SHA-512 of the base image download (Debian publishes SHA512SUMS only)',
    pattern: /^[0-9a-fA-F]{128}$/,
    patternText: '128 hexadecimal digits',
  }),
  ...qemuOptions,
  diskSize: o.size({
    description: 'Disk size of the built image in MiB (or with an M/G/T suffix)',
    default: 10240,
    min: 1024,
    max: 2 * 1024 * 1024,
  }),
  sshUsername: o.string({
    description: 'Build user created by cloud-init for provisioning (removed when the image is sealed)',
    default: 'indicovm',
    pattern: /^[a-z_][a-z0-9_-]{0,31}$/,
    patternText: 'a user name (lower-case letters, digits, _ and -)',
    origin: 'user',
  }),
  recipe: o.choice(['indico', 'none'], {
    description: 'Provisioning recipe: indico (the full stack) or none (only provision-script)',
    default: 'indico',
  }),
  provisionScript: o.list(o.path({ description: 'script' }), {
    description: 'Local scripts run in the VM after the recipe, in order, one path per line',
    default: [],
    perLine: true,
  }),
  files: o.list(
    o.string({
      description: 'file',
      pattern: /^[^:\n]+:\/[^\n]*$/,
      patternText: 'local:remote with an absolute remote path',
    }),
    { description: 'Files to upload before provisioning, local:remote per line', default: [], perLine: true },
  ),
  networkConfig: o.path({
    description: 'Path of a cloud-init network-config file (network-config v2 YAML) for the build VM',
  }),
  formats: o.list(o.choice(IMAGE_FORMATS, { description: 'format' }), {
    description: 'Output formats, comma-separated: qcow2, raw, vdi, vmdk, vpc, vhdx',
    default: ['qcow2' as (typeof IMAGE_FORMATS)[number]],
  }),
  compression: o.choice(['zstd', 'zlib', 'none'], {
    description: 'Compression of qcow2 output',
    default: 'zstd',
  }),
  outputDir: o.path({
    description: 'Directory for the built images',
    default: 'indicovm-out',
    origin: 'img_dir',
  }),
  imageName: o.string({
    description: 'Base name of the output files',
    default: 'indico',
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    patternText: 'a file name (letters, digits, ., _ and -)',
    origin: 'img_name',
  }),
  shutdownTimeout: o.duration({ description: 'How long to wait for a clean poweroff', default: 120 }),
  verify: o.boolean({
    description: 'Boot the sealed image once more and check it (fresh host keys, HTTPS answers)',
    default: true,
    origin: 'run_vm_debug',
  }),
  uploadArtifact: o.boolean({
    description: 'Upload the images as a workflow artifact',
    default: true,
    actionOnly: true,
  }),
  artifactName: o.string({
    description: 'Name of the workflow artifact',
    actionOnly: true,
    defaultText: '<image-name>-image',
    pattern: /^[A-Za-z0-9._-]{1,128}$/,
    patternText: 'letters, digits, ., _ and -',
  }),
  ...artifactRetentionOption,
} satisfies o.OptionGroup;

export const runImageOptions = {
  image: o.path({ description: 'Image to boot (any format qemu reads)', origin: 'img_dir/img_name' }),
  ...qemuOptions,
  forwardSshPort: o.port({
    description: 'Port on 127.0.0.1 forwarded to the VM port 22',
    default: 2222,
    origin: 'host_machine.ssh_port, debug_vm',
  }),
  forwardHttpPort: o.port({
    description: "Port on 127.0.0.1 forwarded to the VM's http-port",
    default: 8000,
    origin: 'host_machine.http_port',
  }),
  forwardHttpsPort: o.port({
    description: "Port on 127.0.0.1 forwarded to the VM's https-port",
    default: 8443,
    origin: 'host_machine.https_port',
  }),
} satisfies o.OptionGroup;
