import { metadata as buildImage } from '../action-build-image/src/metadata.js';
import { metadata as deploy } from '../action-deploy/src/metadata.js';
import { metadata as manage } from '../action-manage/src/metadata.js';
import { renderActionYaml, type ActionMetadata } from '../action-kit/metadata.js';
import { inputDescription } from '../shared/options/describe.js';
import { markdownTable } from '../shared/report/markdown.js';
import { kebab } from '../shared/options/names.js';

export const ACTIONS: readonly ActionMetadata[] = [buildImage, deploy, manage];

/** The generated files: each action.yml, and the README's input/output tables between markers. */
export function renderReadmeTables(meta: ActionMetadata): string {
  const inputs = markdownTable({
    header: ['Input', 'Description'],
    rows: Object.entries(meta.command.options).map(([key, spec]) => [kebab(key), inputDescription(spec)]),
  });
  const outputs = markdownTable({ header: ['Output', 'Description'], rows: Object.entries(meta.outputs) });
  return `${inputs}\n\n${outputs}`;
}

export function replaceBetweenMarkers(text: string, marker: string, content: string): string {
  const start = `<!-- begin ${marker} -->`;
  const end = `<!-- end ${marker} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) {
    throw new Error(`README.md has no ${start} … ${end} block`);
  }
  return `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

export function expectedFiles(readme: string): Map<string, string> {
  const files = new Map<string, string>();
  let text = readme;
  for (const meta of ACTIONS) {
    files.set(`${meta.folder}/action.yml`, renderActionYaml(meta));
    text = replaceBetweenMarkers(text, `${meta.folder} io`, renderReadmeTables(meta));
  }
  files.set('README.md', text);
  return files;
}

export { renderActionYaml };
