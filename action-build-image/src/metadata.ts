import { buildImageCommand } from '../../shared/options/commands.js';
import type { ActionMetadata } from '../../action-kit/metadata.js';

export const metadata: ActionMetadata = {
  folder: 'action-build-image',
  name: 'indicovm build image',
  description:
    'Build a sealed Indico 3.3 VM image with qemu and cloud-init, provisioned over SSH, in qcow2/raw/vdi/vmdk/vpc/vhdx.',
  command: buildImageCommand,
  post: true,
  outputs: {
    'image-path': 'Path of the first image in formats',
    'image-format': 'Format of image-path',
    'image-size': 'Size of image-path in bytes',
    sha256: 'SHA-256 of image-path',
    images: 'JSON list of every built image: format, path, size, sha256',
    manifest: 'Path of the JSON manifest describing the build',
    'artifact-name': 'Name of the uploaded workflow artifact',
    'artifact-id': 'ID of the uploaded workflow artifact',
    'serial-log': 'Path of the qemu serial console log',
  },
};
