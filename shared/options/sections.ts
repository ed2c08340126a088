import { buildOptions, qemuOptions, runImageOptions } from './catalog/build.js';
import { commonOptions } from './catalog/common.js';
import { deployOptions, genUserDataOptions } from './catalog/deploy.js';
import { manageOptions } from './catalog/manage.js';
import { openstackAuthOptions } from './catalog/openstack.js';
import { recipeOptions } from './catalog/recipe.js';
import { sshOptions } from './catalog/ssh.js';
import type { OptionGroup, OptionSpec } from './kinds.js';

/**
 * The catalog's sections, in the order help shows them. A command spreads whole groups into its
 * options, so an option's section is the first group holding that very spec (qemu before build, as
 * the build group includes the qemu one).
 */
const SECTIONS: readonly (readonly [string, OptionGroup])[] = [
  ['Settings', commonOptions],
  ['qemu', qemuOptions],
  ['Image build', buildOptions],
  ['Local VM', runImageOptions],
  ['Indico recipe', recipeOptions],
  ['OpenStack authentication', openstackAuthOptions],
  ['Deploy', deployOptions],
  ['User-data', genUserDataOptions],
  ['SSH connection', sshOptions],
  ['Management tasks', manageOptions],
];

export interface OptionSection {
  readonly title: string;
  readonly options: readonly (readonly [string, OptionSpec<unknown>])[];
}

/** A command's options grouped by the catalog's sections; options of the command's own go first. */
export function optionSections(options: OptionGroup, ownTitle: string): OptionSection[] {
  const titleOf = (spec: OptionSpec<unknown>): string =>
    SECTIONS.find(([, group]) => Object.values(group).includes(spec))?.[0] ?? ownTitle;
  const order = [ownTitle, ...SECTIONS.map(([title]) => title)];
  const byTitle = new Map<string, [string, OptionSpec<unknown>][]>();
  for (const entry of Object.entries(options)) {
    const title = titleOf(entry[1]);
    byTitle.set(title, [...(byTitle.get(title) ?? []), entry]);
  }
  return order
    .filter((title, index) => byTitle.has(title) && order.indexOf(title) === index)
    .map((title) => ({ title, options: byTitle.get(title)! }));
}
