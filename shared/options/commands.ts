import type { OptionGroup } from './kinds.js';
import { commonOptions } from './catalog/common.js';
import { recipeOptions } from './catalog/recipe.js';
import { buildOptions, runImageOptions } from './catalog/build.js';
import { openstackAuthOptions } from './catalog/openstack.js';
import { deployOptions, genUserDataOptions } from './catalog/deploy.js';
import { sshOptions } from './catalog/ssh.js';
import { fleetOptions, manageOptions } from './catalog/manage.js';
import * as o from './kinds.js';

/**
 * The tasks of indicovm, as `fab -l` listed the original's. Each command owns the options it reads;
 * an action runs one command, the CLI any of them.
 */
export interface CommandSpec<G extends OptionGroup = OptionGroup> {
  readonly name: string;
  readonly summary: string;
  /** The original fabfile task(s) this command carries on. */
  readonly origin: string;
  readonly options: G;
  /** Name and description of positional arguments on the CLI (the manage tasks, an image path). */
  readonly positional?: { readonly option: string; readonly label: string };
}

function command<G extends OptionGroup>(spec: CommandSpec<G>): CommandSpec<G> {
  return spec;
}

export const buildImageCommand = command({
  name: 'build-image',
  summary:
    'Build a sealed Indico image: boot a base cloud image with a NoCloud seed, provision it over SSH, seal, compact and convert it',
  origin: 'create_vm_img (config_no_cloud, launch_vm, deploy)',
  options: { ...commonOptions, ...buildOptions, ...recipeOptions, ...openstackAuthOptions },
});

export const runImageCommand = command({
  name: 'run-image',
  summary: 'Boot an image locally with SSH, HTTP and HTTPS forwarded to 127.0.0.1 (2222, 8000, 8443)',
  origin: 'run_vm_debug, launch_vm',
  // The image's own ports (what it was built with), which the forwards lead to.
  options: {
    ...commonOptions,
    ...runImageOptions,
    httpPort: recipeOptions.httpPort,
    httpsPort: recipeOptions.httpsPort,
  },
  positional: { option: 'image', label: 'IMAGE' },
});

export const renderScriptCommand = command({
  name: 'render-script',
  summary: 'Write the provisioning script and the files it installs to a folder, to read what will run',
  origin: 'dependencies_inst, indico_inst, indico_config, vm_config',
  options: {
    ...commonOptions,
    outputDir: o.path({
      description: 'Folder to write the script and files to',
      default: 'indicovm-recipe',
      origin: 'config_dir',
    }),
    ...recipeOptions,
  },
});

export const genUserDataCommand = command({
  name: 'gen-user-data',
  summary: 'Write cloud-init MIME user-data that installs the Indico stack on a stock cloud image',
  origin: 'usr/gen-user-data.py',
  options: { ...commonOptions, ...genUserDataOptions, ...recipeOptions },
});

export const deployCommand = command({
  name: 'deploy',
  summary:
    'Upload an image to OpenStack Glance and boot it with Nova, or boot a stock image with generated user-data',
  origin: 'nova boot, glance image-create (Deployment, Deployment script)',
  options: { ...commonOptions, ...openstackAuthOptions, ...deployOptions, ...recipeOptions },
});

export const manageCommand = command({
  name: 'manage',
  summary:
    'Run management tasks on a deployed VM over one verified SSH connection (load-ssl, update-server, update-redis, start, …)',
  origin: 'usr/fabfile.py: load_ssl, update_server, update_redis, config, start, restart',
  options: { ...commonOptions, ...sshOptions, ...fleetOptions, ...manageOptions },
  positional: { option: 'tasks', label: 'TASK...' },
});

export const COMMANDS: readonly CommandSpec[] = [
  buildImageCommand,
  runImageCommand,
  renderScriptCommand,
  genUserDataCommand,
  deployCommand,
  manageCommand,
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
