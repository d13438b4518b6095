// skiff rollout undo deployment/NAME [--to-revision N]: kubectl's client-side rollback: the pod
// template of the wanted revision's ReplicaSet (the previous revision by default) is written back
// into the Deployment, and the Deployment controller rolls it out by scaling that ReplicaSet up
// again. A revision that does not exist changes nothing.

import { ApiError, type Deployment } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError } from '../../errors.js';
import { operationLine, parseDryRun, type DryRun } from '../../printers/output.js';
import type { Target } from '../../resource-args.js';
import { deploymentReplicaSets } from '../../workloads/fetch.js';
import { formatTemplate } from '../../workloads/history.js';
import { allReplicaSets } from '../../workloads/replica-sets.js';
import { applyRollback, planRollback, replicaSetForRevision } from '../../workloads/rollback.js';
import { parseIntFlag, withContext, type Io } from '../common.js';
import { deploymentTargets } from './targets.js';

export interface RolloutUndoFlags {
  toRevision: number;
  dryRun?: string | boolean;
}

/** Rolls one Deployment back; returns the operation kubectl prints after its name. */
async function undoOne(ctx: CliContext, t: Target, toRevision: number, dryRun: DryRun): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const d = await ctx.api().get<Deployment>('deployments', t.namespace, t.name);
    let rs;
    try {
      rs = replicaSetForRevision(t.name, allReplicaSets(await deploymentReplicaSets(ctx.api(), d)), toRevision);
    } catch (e) {
      throw new CliError(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (dryRun === 'client') return formatTemplate(rs.spec.template);
    let plan;
    try {
      plan = planRollback(d, rs, toRevision);
    } catch (e) {
      throw new CliError(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (plan.kind === 'skip') return plan.result;
    try {
      await ctx.api().update('deployments', applyRollback(d, plan), { dryRun: dryRun === 'server' });
      return 'rolled back';
    } catch (e) {
      if (e instanceof ApiError && e.reason === 'Conflict' && attempt < 5) continue;
      if (e instanceof ApiError && e.reason !== 'ServiceUnavailable') throw new CliError(`error: failed restoring revision ${toRevision}: ${e.message}`);
      throw e;
    }
  }
}

export async function runRolloutUndo(ctx: CliContext, io: Io, args: string[], flags: RolloutUndoFlags): Promise<number> {
  const dryRun = parseDryRun(flags.dryRun);
  const targets = await deploymentTargets(ctx, args, 'rollout undo', (gk) => `no rollbacker has been implemented for "${gk}"`);
  for (const t of targets) {
    const result = await undoOne(ctx, t, flags.toRevision, dryRun);
    io.out(operationLine(t.info, t.name, result, dryRun));
  }
  return 0;
}

export function rolloutUndoCommand(): Command {
  return new Command('undo')
    .description('Roll a deployment back to its previous revision (or to --to-revision)')
    .argument('[resource...]', 'deployment/NAME | deployment NAME')
    .option('--to-revision <n>', 'the revision to roll back to (0: the previous one)', parseIntFlag, 0)
    .option('--dry-run [strategy]', "none, client (print the revision's pod template) or server")
    .action(withContext((ctx, io, args: string[], flags: RolloutUndoFlags) => runRolloutUndo(ctx, io, args, flags)));
}
