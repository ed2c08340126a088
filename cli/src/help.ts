import type { CommandSpec } from '../../shared/options/commands.js';
import { optionDefault as defaultText } from '../../shared/options/describe.js';
import type { AnyOption } from '../../shared/options/kinds.js';
import { kebab } from '../../shared/options/names.js';
import { optionSections } from '../../shared/options/sections.js';

const wrap = (text: string, width: number, indent: string): string => {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines.join(`\n${indent}`);
};

/** `indicovm --help`: every task with its description, as `fab -l` listed the original's. */
export function mainHelp(commands: readonly CommandSpec[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `indicovm ${version}: build, deploy and manage Indico 3.3 virtual machine images`,
    '',
    'Usage: indicovm <task> [options]',
    '',
    'Tasks:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${wrap(c.summary, 76 - width, ' '.repeat(width + 2))}`),
    '',
    "Run 'indicovm help <task>' (or 'indicovm <task> --help') for a task's options and their defaults.",
    'Settings are read from flags, then OS_* variables where they apply, then indicovm.yml, then defaults.',
  ].join('\n');
}

/** `indicovm <task> --help` and `indicovm help <task>`: its options by section, with types and defaults. */
export function commandHelp(command: CommandSpec): string {
  const row = ([key, spec]: readonly [string, AnyOption]): string => {
    const flag = spec.type === 'boolean' ? `--[no-]${kebab(key)}` : `--${kebab(key)} <${spec.type}>`;
    const notes = [
      defaultText(spec) !== undefined ? `default: ${defaultText(spec)}` : undefined,
      spec.env.length ? `env: ${spec.env.join(', ')}` : undefined,
      spec.secret ? 'secret' : undefined,
    ].filter(Boolean);
    const text = spec.description + (notes.length ? ` [${notes.join('; ')}]` : '');
    return `  ${flag}\n      ${wrap(text, 92, '      ')}`;
  };
  const offered = Object.fromEntries(Object.entries(command.options).filter(([, spec]) => !spec.actionOnly));
  const usage = command.positional ? ` [${command.positional.label}]` : '';
  return [
    `Usage: indicovm ${command.name} [options]${usage}`,
    '',
    wrap(command.summary, 100, ''),
    `Replaces the original: ${command.origin}`,
    ...optionSections(offered, command.name).flatMap((section) => [
      '',
      `${section.title} options:`,
      ...section.options.map(row),
    ]),
    '',
    'Output options:',
    '  -v, --verbose\n      Print debug messages',
    '  -h, --help\n      Show this help',
  ].join('\n');
}
