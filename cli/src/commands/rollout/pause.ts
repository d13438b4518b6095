// skiff rollout pause deployment/NAME: sets spec.paused; template changes then wait for
// `rollout resume`. Pausing a paused Deployment is an error, as in kubectl.

import type { Deployment } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { CliError } from '../../errors.js';
import { operationLine } from '../../printers/output.js';
import { resourceName } from '../../printers/table.js';
import { forEachTarget, withContext, type Io } from '../common.js';
import { deploymentTargets } from './targets.js';

/** pause and resume: one merge patch of spec.paused, refused when it already has that value. */
export async function runSetPaused(ctx: CliContext, io: Io, args: string[], paused: boolean): Promise<number> {
  const verb = paused ? 'pause' : 'resume';
  const targets = await deploymentTargets(ctx, args, `rollout ${verb}`, (_gk, t) => `${resourceName(t.info)} "${t.name}" ${verb === 'pause' ? 'pausing' : 'resuming'} is not supported`);
  return forEachTarget(io, ctx.server, targets, async (t) => {
    const d = await ctx.api().get<Deployment>('deployments', t.namespace, t.name);
    if ((d.spec?.paused === true) === paused) {
      throw new CliError(`error: ${resourceName(t.info)} "${t.name}" ${paused ? 'is already paused' : 'is not paused'}`);
    }
    await ctx.api().patch('deployments', t.namespace, t.name, { spec: { paused } });
    io.out(operationLine(t.info, t.name, paused ? 'paused' : 'resumed'));
  });
}

export function rolloutPauseCommand(): Command {
  return new Command('pause')
    .description('Pause a deployment: template changes are not rolled out until it is resumed')
    .argument('[resource...]', 'deployment/NAME | deployment NAME')
    .action(withContext((ctx, io, args: string[]) => runSetPaused(ctx, io, args, true)));
}
