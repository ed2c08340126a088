import { DefaultArtifactClient } from '@actions/artifact';
import { ConfigurationError, errorMessage } from '../shared/errors.js';

/**
 * Downloads an artifact of the current workflow run by name (as action-build-image uploads it) into a
 * folder, and returns the folder it landed in.
 */
export async function downloadRunArtifact(name: string, destination: string): Promise<string> {
  const client = new DefaultArtifactClient();
  let id: number;
  try {
    ({
      artifact: { id },
    } = await client.getArtifact(name));
  } catch (error) {
    throw new ConfigurationError(
      `Option 'image-artifact': no artifact named '${name}' in this workflow run (${errorMessage(error)}). ` +
        'Upload it in an earlier job or step of the same run (action-build-image does with upload-artifact: true).',
    );
  }
  const { downloadPath, digestMismatch } = await client.downloadArtifact(id, { path: destination });
  if (digestMismatch) {
    throw new Error(`artifact '${name}' was damaged on the way: its digest does not match the uploaded one`);
  }
  return downloadPath ?? destination;
}
