// skiff rollout status|history|undo|pause|resume|restart deployment/NAME: managing the rollout of
// a Deployment, like kubectl rollout.

import { Command } from 'commander';
import { rolloutHistoryCommand } from './history.js';
import { rolloutPauseCommand } from './pause.js';
import { rolloutRestartCommand } from './restart.js';
import { rolloutResumeCommand } from './resume.js';
import { rolloutStatusCommand } from './status.js';
import { rolloutUndoCommand } from './undo.js';

export function rolloutCommand(): Command {
  return new Command('rollout')
    .description('Manage the rollout of a deployment')
    .addCommand(rolloutStatusCommand())
    .addCommand(rolloutHistoryCommand())
    .addCommand(rolloutUndoCommand())
    .addCommand(rolloutPauseCommand())
    .addCommand(rolloutResumeCommand())
    .addCommand(rolloutRestartCommand());
}
