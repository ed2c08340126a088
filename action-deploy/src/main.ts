import { downloadRunArtifact } from '../../action-kit/artifact.js';
import { openLedger } from '../../action-kit/cleanup.js';
import { readActionOptions } from '../../action-kit/inputs.js';
import { runAction, setOutputs } from '../../action-kit/run.js';
import { deploy } from '../../shared/deploy/deploy.js';
import { deployOutputs } from '../../shared/deploy/outputs.js';
import { deployCommand } from '../../shared/options/commands.js';
import { outputValues } from '../../shared/options/outputs.js';

await runAction('action-deploy', async (reporter) => {
  // Inputs first: a bad one fails before anything is recorded or created.
  const { values, sources } = readActionOptions(deployCommand, reporter);
  const ledger = openLedger();
  const writableRoots = [process.env.GITHUB_WORKSPACE ?? process.cwd(), process.env.RUNNER_TEMP].filter(
    (root): root is string => Boolean(root),
  );
  const result = await deploy(values, reporter, {
    ledger,
    sources,
    downloadArtifact: downloadRunArtifact,
    writableRoots,
  });
  setOutputs(outputValues(deployOutputs, result));
});
