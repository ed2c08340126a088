import { existsSync, readFileSync } from 'node:fs';
import { ConfigurationError } from '../errors.js';
import { COMMANDS } from './commands.js';
import { parseSettingsFile, type SettingsFile } from './settings-file.js';

/**
 * Reads the settings file when it exists. A path the user named explicitly must exist; the default
 * name (indicovm.yml) is optional.
 */
export function readSettingsFile(path: string, explicit: boolean): SettingsFile | undefined {
  if (!existsSync(path)) {
    if (explicit) {
      throw new ConfigurationError(`The settings file ${path} does not exist (option 'config-file').`);
    }
    return undefined;
  }
  return parseSettingsFile(readFileSync(path, 'utf8'), path, COMMANDS);
}
