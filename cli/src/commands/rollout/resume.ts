// skiff rollout resume deployment/NAME: clears spec.paused so pending template changes roll out.

import { Command } from 'commander';
import { withContext } from '../common.js';
import { runSetPaused } from './pause.js';

export function rolloutResumeCommand(): Command {
  return new Command('resume')
    .description('Resume a paused deployment')
    .argument('[resource...]', 'deployment/NAME | deployment NAME')
    .action(withContext((ctx, io, args: string[]) => runSetPaused(ctx, io, args, false)));
}
