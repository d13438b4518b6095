// skiff cordon|uncordon NODE... [-l SELECTOR] [--dry-run]: marks nodes unschedulable (or
// schedulable again) with a merge patch of spec.unschedulable, as kubectl's CordonHelper does,
// printing `node/x cordoned` or `node/x already cordoned`. `drain` cordons through here too.

import { findResource, type Node, type ResourceInfo } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { operationLine, parseDryRun, type DryRun } from '../printers/output.js';
import { withContext, type Io } from './common.js';

export const NODES: ResourceInfo = findResource('nodes') as ResourceInfo;

export interface NodeSelection {
  selector?: string;
}

/**
 * The nodes a node command is about: the named ones, or those matching -l (kubectl's builder
 * with ResourceNames("nodes", ...)); a missing node fails the whole command before any change.
 */
export async function resolveNodes(api: Pick<ApiInterface, 'get' | 'list'>, names: readonly string[], sel: NodeSelection, usage: string): Promise<Node[]> {
  if (names.length === 0 && !sel.selector) throw new CliError(`error: USAGE: ${usage} [flags]\nSee 'skiff ${usage.split(' ')[0] ?? ''} -h' for help and examples`);
  if (names.length > 0 && sel.selector) throw new CliError('error: cannot specify both a node name and a --selector option');
  if (sel.selector) return (await api.list<Node>('nodes', { labelSelector: sel.selector })).items;
  const nodes: Node[] = [];
  for (const name of names) nodes.push(await api.get<Node>('nodes', '', name));
  return nodes;
}

/** What a cordon or uncordon did: `cordoned`, `already cordoned`, `uncordoned`, `already uncordoned`. */
export function cordonOperation(desired: boolean, changed: boolean): string {
  const verb = desired ? 'cordoned' : 'uncordoned';
  return changed ? verb : `already ${verb}`;
}

/** Sets spec.unschedulable when it differs (`null` removes it, as kubectl's two-way patch does); returns what it did. */
export async function setUnschedulable(api: Pick<ApiInterface, 'patch'>, node: Readonly<Node>, desired: boolean, dryRun: DryRun): Promise<string> {
  const current = node.spec?.unschedulable === true;
  if (current === desired) return cordonOperation(desired, false);
  if (dryRun !== 'client') {
    await api.patch('nodes', '', node.metadata.name ?? '', { spec: { unschedulable: desired ? true : null } }, { dryRun: dryRun === 'server' });
  }
  return cordonOperation(desired, true);
}

/**
 * kubectl's RunCordonOrUncordon: each node in turn, `error: unable to cordon node "x": ...` for one
 * that fails (the others still go). Returns whether all succeeded.
 */
export async function cordonNodes(ctx: CliContext, io: Io, nodes: readonly Node[], desired: boolean, dryRun: DryRun): Promise<boolean> {
  let ok = true;
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    try {
      const operation = await setUnschedulable(ctx.api(), node, desired, dryRun);
      io.out(operationLine(NODES, name, operation, dryRun));
    } catch (e) {
      io.err(`error: unable to ${desired ? 'cordon' : 'uncordon'} node "${name}": ${e instanceof Error ? e.message : String(e)}\n`);
      ok = false;
    }
  }
  return ok;
}

interface CordonFlags extends NodeSelection {
  dryRun?: string | boolean;
}

async function runCordon(ctx: CliContext, io: Io, names: string[], flags: CordonFlags, desired: boolean): Promise<number> {
  const dryRun = parseDryRun(flags.dryRun);
  const nodes = await resolveNodes(ctx.api(), names, flags, `${desired ? 'cordon' : 'uncordon'} NODE`);
  return (await cordonNodes(ctx, io, nodes, desired, dryRun)) ? 0 : 1;
}

function nodeCommand(name: string, description: string, desired: boolean): Command {
  return new Command(name)
    .description(description)
    .argument('[node...]', 'NODE')
    .option('-l, --selector <selector>', 'the nodes matching this label selector')
    .option('--dry-run [strategy]', 'none, client (print only) or server (validate on the server, store nothing)')
    .action(withContext((ctx, io, names: string[], flags: CordonFlags) => runCordon(ctx, io, names, flags, desired)));
}

export function cordonCommand(): Command {
  return nodeCommand('cordon', 'Mark node as unschedulable', true);
}

export function uncordonCommand(): Command {
  return nodeCommand('uncordon', 'Mark node as schedulable', false);
}
