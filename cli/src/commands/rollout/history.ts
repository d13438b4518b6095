// skiff rollout history deployment/NAME [--revision N]: the Deployment's revisions (its
// ReplicaSets' revision annotations) with their change-cause, or one revision's pod template.

import type { Deployment } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError } from '../../errors.js';
import { nameOutput } from '../../printers/output.js';
import { deploymentReplicaSets } from '../../workloads/fetch.js';
import { historyOutput, revisionHistory } from '../../workloads/history.js';
import { allReplicaSets } from '../../workloads/replica-sets.js';
import { parseIntFlag, withContext, type Io } from '../common.js';
import { deploymentTargets } from './targets.js';

export interface RolloutHistoryFlags {
  revision: number;
}

export async function runRolloutHistory(ctx: CliContext, io: Io, args: string[], flags: RolloutHistoryFlags): Promise<number> {
  if (flags.revision < 0) throw new CliError(`error: revision must be a positive integer: ${flags.revision}`);
  const targets = await deploymentTargets(ctx, args, 'rollout history', (gk) => `no history viewer has been implemented for "${gk}"`);
  for (const t of targets) {
    const d = await ctx.api().get<Deployment>('deployments', t.namespace, t.name);
    const history = revisionHistory(allReplicaSets(await deploymentReplicaSets(ctx.api(), d)));
    io.out(historyOutput(nameOutput(t.info, d), history, flags.revision));
  }
  return 0;
}

export function rolloutHistoryCommand(): Command {
  return new Command('history')
    .description('Show the revisions of a deployment, with their change-cause')
    .argument('[resource...]', 'deployment/NAME | deployment NAME')
    .option('--revision <n>', "show this revision's pod template", parseIntFlag, 0)
    .action(withContext((ctx, io, args: string[], flags: RolloutHistoryFlags) => runRolloutHistory(ctx, io, args, flags)));
}
