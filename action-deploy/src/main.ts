import { readActionOptions } from '../../action-kit/inputs.js';
import { runAction, setOutputs } from '../../action-kit/run.js';
import { deploy } from '../../shared/deploy/deploy.js';
import { deployCommand } from '../../shared/options/commands.js';

await runAction('action-deploy', async (reporter) => {
  const { values } = readActionOptions(deployCommand, reporter);
  const result = await deploy(values, reporter);
  setOutputs({
    'image-id': result.imageId,
    'server-id': result.serverId,
    'server-name': result.serverName,
    address: result.address,
    addresses: result.addresses,
    'host-keys': result.hostKeys.join('\n'),
    'user-data-path': result.userDataPath,
  });
});
