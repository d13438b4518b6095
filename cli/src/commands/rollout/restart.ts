// skiff rollout restart deployment/NAME: a new rollout of the same template, started by setting
// the template annotation kubectl.kubernetes.io/restartedAt to now (kubectl's objectrestarter).

import type { Deployment } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError } from '../../errors.js';
import { operationLine } from '../../printers/output.js';
import { resourceName } from '../../printers/table.js';
import { forEachTarget, withContext, type Io } from '../common.js';
import { deploymentTargets } from './targets.js';

export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

/** Go's time.Now().Format(time.RFC3339): local time with its offset, `Z` in UTC. */
export function rfc3339Local(date: Date): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const off = -date.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off > 0 ? '+' : '-'}${p2(Math.floor(Math.abs(off) / 60))}:${p2(Math.abs(off) % 60)}`;
  return `${date.getFullYear()}-${p2(date.getMonth() + 1)}-${p2(date.getDate())}T${p2(date.getHours())}:${p2(date.getMinutes())}:${p2(date.getSeconds())}${zone}`;
}

export async function runRolloutRestart(ctx: CliContext, io: Io, args: string[], now: () => Date = () => new Date()): Promise<number> {
  const targets = await deploymentTargets(ctx, args, 'rollout restart', (_gk, t) => `${resourceName(t.info)} "${t.name}" restarting is not supported`);
  return forEachTarget(io, ctx.server, targets, async (t) => {
    const d = await ctx.api().get<Deployment>('deployments', t.namespace, t.name);
    if (d.spec?.paused) throw new CliError(`error: ${resourceName(t.info)} "${t.name}" can't restart paused deployment (run rollout resume first)`);
    const stamp = rfc3339Local(now());
    if (d.spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === stamp) {
      throw new CliError(`error: failed to create patch for ${t.name}: if restart has already been triggered within the past second, please wait before attempting to trigger another`);
    }
    await ctx.api().patch('deployments', t.namespace, t.name, { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: stamp } } } } });
    io.out(operationLine(t.info, t.name, 'restarted'));
  });
}

export function rolloutRestartCommand(): Command {
  return new Command('restart')
    .description('Restart a deployment: roll out new pods from the same template')
    .argument('[resource...]', 'deployment/NAME | deployment NAME')
    .action(withContext((ctx, io, args: string[]) => runRolloutRestart(ctx, io, args)));
}
