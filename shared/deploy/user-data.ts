import { resolve } from 'node:path';
import { toWriteFiles, type CloudConfig } from '../cloudinit/cloud-config.js';
import { renderUserData } from '../cloudinit/mime.js';
import { ConfigurationError } from '../errors.js';
import { writePrivateFile } from '../local-path.js';
import { readPemInputs } from '../recipe/pem-inputs.js';
import { renderRecipe, type RecipeOptions, type RenderedRecipe } from '../recipe/render.js';
import { isWheelhouseUrl } from '../recipe/wheelhouse.js';

export interface StockUserData {
  readonly bytes: Buffer;
  readonly gzipped: boolean;
}

export interface WrittenUserData extends StockUserData {
  readonly path: string;
}

/**
 * The cloud-config part: the host name, and the TLS certificate and key the user gave, written by
 * cloud-init as root with their modes (the key 0600) before the script runs. The script writes the
 * same files only when their content differs, so it finds them in place.
 */
export function stockImageCloudConfig(options: RecipeOptions, recipe: RenderedRecipe): CloudConfig {
  const tlsPaths = new Set([`${options.sslDir}/indico.crt`, `${options.sslDir}/indico.key`]);
  const tls = recipe.files.filter((file) => tlsPaths.has(file.path));
  const host = options.serverHostname;
  // An address literal or localhost is no name to give the machine.
  const named = host !== 'localhost' && !/^[0-9.]+$/.test(host) && !host.includes(':');
  return {
    ...(named ? { hostname: host.split('.')[0], fqdn: host } : {}),
    ...(tls.length > 0 ? { write_files: toWriteFiles(tls) } : {}),
  };
}

/**
 * The stock-image path's user-data: the same provisioning script the image build runs over SSH plus a
 * cloud-config part, as a MIME multipart document (gzipped when large). renderUserData refuses what
 * Nova would refuse.
 */
export function renderStockUserData(options: RecipeOptions): StockUserData {
  if (options.pythonWheelhouse !== undefined && !isWheelhouseUrl(options.pythonWheelhouse)) {
    throw new ConfigurationError(
      `Option 'python-wheelhouse': ${JSON.stringify(options.pythonWheelhouse)} is a local path, and nothing local reaches a stock image (its user-data is all it gets, at most 64 KiB); give an https:// URL of a wheelhouse tarball that the VM can fetch.`,
    );
  }
  const recipeOptions = readPemInputs(options);
  const recipe = renderRecipe(recipeOptions);
  return renderUserData({ script: recipe.script, cloudConfig: stockImageCloudConfig(recipeOptions, recipe) });
}

/** The user-data written to a file; it may hold given secrets (ssl-key, passwords), so only its owner may read it. */
export async function writeUserData(options: RecipeOptions, path: string): Promise<WrittenUserData> {
  const rendered = renderStockUserData(options);
  const absolute = resolve(path);
  await writePrivateFile(absolute, rendered.bytes);
  return { ...rendered, path: absolute };
}
