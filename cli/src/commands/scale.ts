// skiff scale (TYPE NAME... | TYPE/NAME...) --replicas N [--current-replicas N]: sets the replica
// count of Deployments and ReplicaSets through their scale subresource (an autoscaling/v1 Scale),
// as kubectl scale does, and prints `deployment.apps/web scaled`.

import type { Scale } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { operationLine } from '../printers/output.js';
import { resourceName } from '../printers/table.js';
import { resolveTargets, type Target } from '../resource-args.js';
import { forEachTarget, parseIntFlag, withContext, type Io } from './common.js';

export interface ScaleFlags {
  replicas?: number;
  currentReplicas: number;
  selector?: string;
  all?: boolean;
}

const SCALABLE = new Set(['deployments', 'replicasets']);

/** kubectl's ScaleOptions.Validate, plus the required --replicas. */
export function validateScaleFlags(flags: Readonly<ScaleFlags>): number {
  if (flags.replicas === undefined) throw new CliError('error: required flag(s) "replicas" not set');
  if (flags.replicas < 0) throw new CliError('error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  if (flags.currentReplicas < -1) throw new CliError('error: The --current-replicas must specify an integer of -1 or greater');
  return flags.replicas;
}

async function scaleOne(ctx: CliContext, t: Target, replicas: number, currentReplicas: number): Promise<void> {
  if (!SCALABLE.has(t.info.resource)) {
    throw new CliError(`error: ${resourceName(t.info)} "${t.name}" cannot be scaled: only deployments and replicasets have a scale subresource`);
  }
  if (currentReplicas >= 0) {
    const scale = await ctx.api().get<Scale>(t.info.resource, t.namespace, t.name, { subresource: 'scale' });
    const actual = scale.spec?.replicas ?? 0;
    if (actual !== currentReplicas) throw new CliError(`error: Expected replicas to be ${currentReplicas}, was ${actual}`);
  }
  await ctx.api().patch(t.info.resource, t.namespace, t.name, { spec: { replicas } }, { subresource: 'scale' });
}

export async function runScale(ctx: CliContext, io: Io, args: string[], flags: ScaleFlags): Promise<number> {
  const replicas = validateScaleFlags(flags);
  const targets = await resolveTargets(ctx.api(), ctx.namespace, args, 'scale', {
    ...(flags.selector ? { selector: flags.selector } : {}),
    ...(flags.all ? { all: true } : {}),
  });
  if (targets.length === 0) throw new CliError('error: no objects passed to scale');
  return forEachTarget(io, ctx.server, targets, async (t) => {
    await scaleOne(ctx, t, replicas, flags.currentReplicas);
    io.out(operationLine(t.info, t.name, 'scaled'));
  });
}

export function scaleCommand(): Command {
  return new Command('scale')
    .description('Set a new size for a deployment or replica set (through its scale subresource)')
    .argument('[resource...]', 'TYPE NAME... | TYPE/NAME...')
    .option('--replicas <count>', 'the new desired number of replicas (required)', parseIntFlag)
    .option('--current-replicas <count>', 'precondition: the current size must be this (-1: no condition)', parseIntFlag, -1)
    .option('-l, --selector <selector>', 'scale the objects of the kind matching this label selector')
    .option('--all', 'scale every object of the kind in the namespace')
    .action(withContext((ctx, io, args: string[], flags: ScaleFlags) => runScale(ctx, io, args, flags)));
}
