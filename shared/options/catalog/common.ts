import * as o from '../kinds.js';

export const commonOptions = {
  configFile: o.path({
    description: 'Settings file (YAML, never executed); read when it exists',
    default: 'indicovm.yml',
    origin: 'fabfile.conf',
  }),
} satisfies o.OptionGroup;

/** How long workflow artifacts are kept, as actions/upload-artifact's input of the same name. */
export const artifactRetentionOption = {
  retentionDays: o.integer({
    description:
      "Days the uploaded artifact is kept (1 to 90, more where the repository's settings allow); unset: the repository's setting",
    min: 1,
    max: 400,
    unit: 'days',
    actionOnly: true,
  }),
} satisfies o.OptionGroup;
