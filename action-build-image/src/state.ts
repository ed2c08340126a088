/** What the main step hands its post step (saveState / getState): one name for each. */
export const STATE = {
  /** Path of the build VM's serial console log. */
  serialLog: 'serial-log',
  /** 'true' once the image is built: the post step shows the console only after a failure. */
  succeeded: 'build-succeeded',
  /** Name of the artifact the post step uploads the whole console log as. */
  serialLogArtifact: 'serial-log-artifact',
} as const;
