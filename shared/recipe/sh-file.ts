import { assignments } from '../shell/quote.js';
import { SHELL } from './sh/index.generated.js';

/** A file of shared/recipe/sh, by name. */
export type ShellFile = keyof typeof SHELL;

const SLOT = /^[ \t]*#@ ([a-z0-9-]+)\n/gm;

/**
 * A .sh file's text with each `#@ NAME` line replaced by rendered text (here-documents of config files,
 * generated functions): the only places where the renderer writes into a file's code. Every slot must
 * be filled and every filler must have its slot, so a renamed slot cannot silently drop a file.
 */
export function shellFile(name: ShellFile, slots: Readonly<Record<string, string>> = {}): string {
  const used = new Set<string>();
  const text = SHELL[name].replace(SLOT, (_line, slot: string) => {
    const filler = slots[slot];
    if (filler === undefined) throw new Error(`${name}: slot ${slot} is not filled`);
    used.add(slot);
    return filler;
  });
  const unused = Object.keys(slots).filter((slot) => !used.has(slot));
  if (unused.length > 0) throw new Error(`${name}: no slot ${unused.join(', ')}`);
  return text;
}

/** `NAME=value` lines for the script's preamble, each value quoted once. */
export function variableLines(variables: readonly (readonly [string, string])[]): string {
  return variables.map(([name, value]) => `${assignments({ [name]: value })}\n`).join('');
}
