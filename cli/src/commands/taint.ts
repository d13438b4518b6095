// skiff taint nodes NAME... KEY[=VALUE]:EFFECT... [KEY[:EFFECT]-...] [--overwrite] [--all | -l SEL]
// [--dry-run]: updates node taints as kubectl taint does, printing `node/x tainted`, `untainted`
// or `modified`. The node is read and written back with its resourceVersion (a Conflict retries),
// so a taint the node controller sets meanwhile is not lost.

import type { Node } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { operationLine, parseDryRun } from '../printers/output.js';
import { readModifyWrite } from '../read-modify-write.js';
import { resolveResource } from '../resource-args.js';
import { forEachTarget, withContext, type Io } from './common.js';
import { NODES } from './cordon.js';
import { applyTaintChanges, parseTaints, splitTaintArgs } from './taint-spec.js';

export interface TaintFlags {
  overwrite?: boolean;
  all?: boolean;
  selector?: string;
  dryRun?: string | boolean;
}

/** The node names the resource arguments name (`nodes a b` or `node/a`), checked to be nodes. */
export function taintTargets(resources: readonly string[], flags: Readonly<TaintFlags>): string[] {
  const [first = '', ...rest] = resources;
  const slash = first.indexOf('/');
  const type = slash < 0 ? first : first.slice(0, slash);
  let info;
  try {
    info = resolveResource(type.toLowerCase());
  } catch {
    throw new CliError(`error: the server doesn't have a resource type "${type}"`);
  }
  if (info.resource !== 'nodes') throw new CliError(`error: invalid resource type ${type.toLowerCase()}, only node types are supported`);
  const names = slash < 0 ? rest : [first.slice(slash + 1), ...rest];
  if (flags.all && flags.selector) throw new CliError("error: setting 'all' parameter with a non empty selector is prohibited");
  if (!flags.all && !flags.selector && names.length < 1) throw new CliError("error: at least one resource name must be specified since 'all' parameter is not set");
  return names;
}

export async function runTaint(ctx: CliContext, io: Io, args: string[], flags: TaintFlags): Promise<number> {
  const { resources, taints } = splitTaintArgs(args);
  const changes = parseTaints(taints);
  const dryRun = parseDryRun(flags.dryRun);
  let names = taintTargets(resources, flags);
  if (flags.all || flags.selector) {
    const list = await ctx.api().list<Node>('nodes', flags.selector ? { labelSelector: flags.selector } : {});
    names = list.items.map((n) => n.metadata.name ?? '');
  }
  const api = ctx.api();
  const writer: Pick<ApiInterface, 'get' | 'update'> =
    dryRun === 'server' ? { get: api.get.bind(api), update: (resource, obj, opts) => api.update(resource, obj, { ...opts, dryRun: true }) } : api;
  return forEachTarget(io, ctx.server, names, async (name) => {
    let operation = '';
    await readModifyWrite<Node>(writer, 'nodes', '', name, (node) => {
      const next = applyTaintChanges(name, node.spec?.taints ?? [], changes, flags.overwrite === true);
      operation = next.operation;
      if (dryRun === 'client') return undefined;
      node.spec = { ...node.spec, taints: next.taints };
      return node;
    });
    io.out(operationLine(NODES, name, operation, dryRun));
  });
}

export function taintCommand(): Command {
  return new Command('taint')
    .description('Update the taints on one or more nodes')
    .usage('NODE NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N')
    .argument('[args...]', 'nodes NAME..., then the taints: key=value:Effect, key:Effect, key:Effect- or key- (remove)')
    .option('--overwrite', 'allow taints to be overwritten')
    .option('--all', 'select all nodes in the cluster')
    .option('-l, --selector <selector>', 'the nodes matching this label selector')
    .option('--dry-run [strategy]', 'none, client (print only) or server (validate on the server, store nothing)')
    .action(withContext((ctx, io, args: string[], flags: TaintFlags) => runTaint(ctx, io, args, flags)));
}
