import { readActionOptions } from '../../action-kit/inputs.js';
import { runAction, setOutputs } from '../../action-kit/run.js';
import { buildImage } from '../../shared/build/build-image.js';
import { buildImageCommand } from '../../shared/options/commands.js';

await runAction('action-build-image', async (reporter) => {
  const { values } = readActionOptions(buildImageCommand, reporter);
  const result = await buildImage(values, reporter);
  const first = result.images[0];
  setOutputs({
    'image-path': first?.path,
    'image-format': first?.format,
    'image-size': first?.size,
    sha256: first?.sha256,
    images: result.images,
    manifest: result.manifestPath,
    'serial-log': result.serialLogPath,
  });
});
