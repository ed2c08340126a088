import { downloadRunArtifact } from '../../action-kit/artifact.js';
import { openLedger } from '../../action-kit/cleanup.js';
import { readActionOptions } from '../../action-kit/inputs.js';
import { runAction, setOutputs } from '../../action-kit/run.js';
import { deploy } from '../../shared/deploy/deploy.js';
import { deployCommand } from '../../shared/options/commands.js';
import { metadata } from './metadata.js';

type OutputName = keyof typeof metadata.outputs;

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
  const outputs: Record<OutputName, string | object | undefined> = {
    'image-id': result.imageId,
    'server-id': result.serverId,
    'server-name': result.serverName,
    address: result.address,
    addresses: result.addresses,
    'host-keys': result.hostKeys.join('\n'),
    'user-data-path': result.userDataPath,
    'boot-volume-id': result.bootVolumeId,
  };
  setOutputs(outputs);
});
