import * as o from '../kinds.js';

export const commonOptions = {
  configFile: o.path({
    description: 'Settings file (YAML, never executed); read when it exists',
    default: 'indicovm.yml',
    origin: 'fabfile.conf',
  }),
} satisfies o.OptionGroup;
