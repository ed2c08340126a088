import { readFileSync } from 'node:fs';
import { ConfigurationError, errorMessage } from '../errors.js';
import { Secret } from '../secret.js';
import type { RecipeOptions } from './context.js';

/**
 * ssl-cert, ssl-key and ssl-chain take PEM text or a path to a PEM file on the machine running
 * indicovm. renderRecipe stays pure and takes PEM text only; callers turn paths into text here first.
 */
function pemOrFile(name: string, value: string): string {
  if (value.includes('-----BEGIN ')) {
    return value;
  }
  try {
    return readFileSync(value.trim(), 'utf8');
  } catch (error) {
    throw new ConfigurationError(`${name}: not PEM text, and not a readable file (${errorMessage(error)}).`);
  }
}

export function readPemInputs(options: RecipeOptions): RecipeOptions {
  // Options without a default are undefined when not given, whatever Values<> says.
  return {
    ...options,
    sslCert: options.sslCert === undefined ? undefined : pemOrFile('ssl-cert', options.sslCert),
    sslChain: options.sslChain === undefined ? undefined : pemOrFile('ssl-chain', options.sslChain),
    sslKey:
      options.sslKey === undefined ? undefined : new Secret(pemOrFile('ssl-key', options.sslKey.reveal())),
  } as RecipeOptions;
}
