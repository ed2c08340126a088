// The third-party licences a bundle ships, written from the modules webpack put into it (ncc's stats).
// ncc's own --license output keys packages by name, so when two versions of one package are bundled
// (isarray 1.0.0 under lazystream and 2.0.5) the text that wins depends on the build's timing, and
// dist/ differed between machines. This lists every bundled package directory once, in a fixed order.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

const LICENCE_FILE = /^(licen[cs]e|copying)(\.[a-z]+)?$/i;

/** The package directories (…/node_modules/<name> or <@scope/name>) that bundled modules come from. */
export function bundledPackageDirs(stats) {
  const dirs = new Set();
  const visit = (modules) => {
    for (const module of modules ?? []) {
      // A request is "loader!loader!resource"; only the resource is bundled code.
      const resource =
        String(module.identifier ?? '')
          .split('!')
          .pop() ?? '';
      const match = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)/.exec(resource);
      if (match && !match[1].includes(`${sep}@vercel${sep}ncc`)) dirs.add(match[1]);
      visit(module.modules);
    }
  };
  visit(stats.modules);
  for (const child of stats.children ?? []) visit(child.modules);
  return [...dirs];
}

function licenceText(dir) {
  const file = readdirSync(dir)
    .filter((name) => LICENCE_FILE.test(name))
    .sort()[0];
  return file ? readFileSync(join(dir, file), 'utf8').trim() : '';
}

/** licenses.txt: "name@version", its licence field and its licence file, sorted by name and version. */
export function licensesText(stats) {
  const packages = bundledPackageDirs(stats)
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const licence = typeof manifest.license === 'string' ? manifest.license : 'see its licence file';
      return { id: `${manifest.name}@${manifest.version}`, licence, text: licenceText(dir) };
    });
  const unique = [...new Map(packages.map((p) => [p.id, p])).values()];
  unique.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return unique.map((p) => `${p.id}\n${p.licence}\n${p.text}\n`).join('\n');
}
