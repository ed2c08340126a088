/**
 * The runner's side of a step, written directly: workflow commands on stdout (`::warning::…`,
 * `::add-mask::…`, `::group::…`), the file commands (GITHUB_OUTPUT, GITHUB_STATE) and the job summary,
 * with the escaping and delimiters @actions/core uses, so the runner reads them the same way.
 * @actions/core itself is not loaded: importing it pulls its OIDC client and, through
 * @actions/http-client, undici into every step, about a third of the bundle a step parses before its
 * first line (bench/start).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { EOL } from 'node:os';

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::name key=value,…::message`, properties with an empty value left out. */
export function workflowCommand(
  name: string,
  message: string,
  properties: Record<string, string> = {},
): string {
  const listed = Object.entries(properties)
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',');
  return `::${name}${listed ? ` ${listed}` : ''}::${escapeData(message)}`;
}

function issue(name: string, message: string, properties?: Record<string, string>): void {
  process.stdout.write(workflowCommand(name, message, properties) + EOL);
}

/** `name<<delimiter` … `delimiter`, with a delimiter neither the name nor the value can contain. */
export function keyValueMessage(name: string, value: string): string {
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`Unexpected input: ${name} should not contain the delimiter "${delimiter}"`);
  }
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}`;
}

/** Appends to GITHUB_OUTPUT or GITHUB_STATE when the runner gave one, else the older stdout command. */
function fileCommand(kind: 'OUTPUT' | 'STATE', name: string, value: string, fallback: string): void {
  const file = process.env[`GITHUB_${kind}`];
  if (!file) {
    if (kind === 'OUTPUT') process.stdout.write(EOL);
    issue(fallback, value, { name });
    return;
  }
  if (!existsSync(file)) {
    throw new Error(`Missing file at path: ${file}`);
  }
  appendFileSync(file, `${keyValueMessage(name, value)}${EOL}`, { encoding: 'utf8' });
}

export const workflow = {
  info: (message: string): void => void process.stdout.write(message + EOL),
  debug: (message: string): void => issue('debug', message),
  notice: (message: string): void => issue('notice', message),
  warning: (message: string): void => issue('warning', message),
  error: (message: string): void => issue('error', message),
  setSecret: (secret: string): void => issue('add-mask', secret),
  isDebug: (): boolean => process.env.RUNNER_DEBUG === '1',
  setOutput: (name: string, value: string): void => fileCommand('OUTPUT', name, value, 'set-output'),
  saveState: (name: string, value: string): void => fileCommand('STATE', name, value, 'save-state'),
  /** What the main step saved, in its post step. */
  getState: (name: string): string => process.env[`STATE_${name}`] ?? '',

  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    issue('group', title);
    try {
      return await fn();
    } finally {
      issue('endgroup', '');
    }
  },

  /** Appends markdown to the job summary (GITHUB_STEP_SUMMARY). */
  async appendSummary(markdown: string): Promise<void> {
    const file = process.env.GITHUB_STEP_SUMMARY;
    if (!file) {
      throw new Error(
        'Unable to find environment variable for $GITHUB_STEP_SUMMARY. Check if your runtime environment supports job summaries.',
      );
    }
    await appendFile(file, markdown + EOL, { encoding: 'utf8' });
  },
};
