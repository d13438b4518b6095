// The objects a rollout subcommand acts on: `deployment/NAME`, `deployment NAME...`, or every
// Deployment (`deployment` alone), as kubectl's builder resolves them. Only Deployments have
// rollouts in Skiff; other kinds get kubectl's "not implemented" errors.

import { CliError } from '../../errors.js';
import type { CliContext } from '../../context.js';
import { resolveTargets, type Target } from '../../resource-args.js';

/** `ReplicaSet.apps`: a GroupKind as kubectl prints it. */
function groupKind(t: Target): string {
  return t.info.group ? `${t.info.kind}.${t.info.group}` : t.info.kind;
}

export async function deploymentTargets(ctx: CliContext, args: readonly string[], verb: string, unsupported: (groupKind: string, t: Target) => string): Promise<Target[]> {
  if (args.length === 0) throw new CliError('error: required resource not specified');
  const targets = await resolveTargets(ctx.api(), ctx.namespace, args, verb, { allowKindOnly: true });
  for (const t of targets) if (t.info.resource !== 'deployments') throw new CliError(`error: ${unsupported(groupKind(t), t)}`);
  return targets;
}
