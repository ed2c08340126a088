import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO } from '../../support/run-action.js';

// What actionlint cannot know: our actions' inputs and outputs. Every `with:` key of a step that
// uses one of them must be an input of that action.yml, and every steps.<id>.outputs.<name> and
// needs.<job>.outputs.<name> must name an output that exists where it points.

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  outputs?: Record<string, string>;
  steps?: Step[];
}
interface Workflow {
  jobs: Record<string, Job>;
}
interface ActionYaml {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export const OUR_ACTION = /^(?:org\/indicovm\/|\.\/)(action-[a-z-]+)(?:@v1)?$/;
const STEP_OUTPUT = /\bsteps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g;
const NEEDS_OUTPUT = /\bneeds\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g;

const actionCache = new Map<string, ActionYaml>();
function action(folder: string): ActionYaml {
  let meta = actionCache.get(folder);
  if (!meta) {
    meta = parse(readFileSync(join(REPO, folder, 'action.yml'), 'utf8')) as ActionYaml;
    actionCache.set(folder, meta);
  }
  return meta;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(strings);
  }
  if (value && typeof value === 'object') {
    return Object.values(value).flatMap(strings);
  }
  return [];
}

/** The outputs a run step writes to $GITHUB_OUTPUT: echoed `name=…` and `name<<DELIMITER` lines. */
function runStepOutputs(run: string): Set<string> {
  if (!run.includes('GITHUB_OUTPUT')) {
    return new Set();
  }
  return new Set([...run.matchAll(/\becho ["']?([A-Za-z0-9_-]+)(?:=|<<)/g)].map((m) => m[1]!));
}

/** Outputs a step declares: an action of ours from its action.yml, a run step from its script. */
function stepOutputs(step: Step): Set<string> | undefined {
  const ours = step.uses ? OUR_ACTION.exec(step.uses) : null;
  if (ours) {
    return new Set(Object.keys(action(ours[1]!).outputs));
  }
  if (step.run) {
    return runStepOutputs(step.run);
  }
  return undefined; // a third-party action: no reference to its outputs is expected
}

/** One message per unknown input or unresolved output reference in a workflow text. */
export function problemsOf(text: string): string[] {
  const workflow = parse(text) as Workflow;
  const problems: string[] = [];
  for (const [jobName, job] of Object.entries(workflow.jobs)) {
    const steps = job.steps ?? [];
    const needs = new Set(typeof job.needs === 'string' ? [job.needs] : (job.needs ?? []));

    steps.forEach((step, index) => {
      const ours = step.uses ? OUR_ACTION.exec(step.uses) : null;
      if (ours) {
        const inputs = Object.keys(action(ours[1]!).inputs);
        for (const key of Object.keys(step.with ?? {})) {
          if (!inputs.includes(key)) {
            problems.push(`${jobName}: ${step.uses} has no input '${key}'`);
          }
        }
      }
      // A step sees the outputs of the steps before it only.
      for (const [, id, name] of strings(step).flatMap((s) => [...s.matchAll(STEP_OUTPUT)])) {
        const target = steps.slice(0, index).find((s) => s.id === id);
        const outputs = target && stepOutputs(target);
        if (!outputs?.has(name!)) {
          problems.push(`${jobName}: steps.${id}.outputs.${name} is not an output of an earlier step`);
        }
      }
    });

    // Job outputs may read any step of the job.
    for (const [, id, name] of strings(job.outputs ?? {}).flatMap((s) => [...s.matchAll(STEP_OUTPUT)])) {
      const target = steps.find((s) => s.id === id);
      const outputs = target && stepOutputs(target);
      if (!outputs?.has(name!)) {
        problems.push(`${jobName}: job output reads steps.${id}.outputs.${name}, which no step declares`);
      }
    }

    for (const [, other, name] of strings(job).flatMap((s) => [...s.matchAll(NEEDS_OUTPUT)])) {
      if (!needs.has(other!)) {
        problems.push(`${jobName}: reads needs.${other} but does not list it in needs`);
      } else if (!Object.keys(workflow.jobs[other!]?.outputs ?? {}).includes(name!)) {
        problems.push(`${jobName}: needs.${other}.outputs.${name} is not an output of job ${other}`);
      }
    }
  }
  return problems;
}
