import { downloadRunArtifact } from '../../action-kit/artifact.js';
import { openLedger } from '../../action-kit/cleanup.js';
import { runCommandAction, writableRoots } from '../../action-kit/command.js';
import { deploy } from '../../shared/deploy/deploy.js';
import { deployOutputs } from '../../shared/deploy/outputs.js';
import { deployCommand } from '../../shared/options/commands.js';

await runCommandAction('action-deploy', deployCommand, deployOutputs, ({ values, sources }, reporter) =>
  deploy(values, reporter, {
    ledger: openLedger(),
    sources,
    downloadArtifact: downloadRunArtifact,
    writableRoots: writableRoots(),
  }),
);
