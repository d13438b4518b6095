// skiff drain NODE... [--force] [--ignore-daemonsets] [--delete-emptydir-data] [--grace-period N]
// [--timeout D] [--disable-eviction] [--pod-selector SEL] [-l SEL] [--dry-run]: kubectl drain.
// Cordons the nodes, then per node lists its pods, refuses (naming them) those the flags do not
// allow, evicts the rest through pods/eviction (retrying while a PodDisruptionBudget holds) and
// waits for them to be gone: `evicting pod ns/x`, `pod/x evicted`, `node/x drained`.

import { parseSelector, type Pod } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { parseDuration } from '../../duration.js';
import { CliError } from '../../errors.js';
import { operationLine, parseDryRun, type DryRun } from '../../printers/output.js';
import { parseIntFlag, withContext, type Io } from '../common.js';
import { cordonNodes, NODES, resolveNodes } from '../cordon.js';
import { deletePods, evictPods, realClock, type DrainClock, type RemoveOptions } from './evict.js';
import { classifyPods, drainErrors, drainWarnings, podsToDelete, type PodDelete } from './filters.js';

export interface DrainFlags {
  force?: boolean;
  ignoreDaemonsets?: boolean;
  deleteEmptydirData?: boolean;
  deleteLocalData?: boolean;
  ignoreErrors?: boolean;
  gracePeriod: number;
  timeout?: string;
  selector?: string;
  podSelector?: string;
  disableEviction?: boolean;
  skipWaitForDeleteTimeout: number;
  dryRun?: string | boolean;
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several (distinct) in brackets. */
export function aggregateMessage(errors: readonly string[]): string {
  const distinct = [...new Set(errors)];
  return distinct.length === 1 ? (distinct[0] ?? '') : `[${distinct.join(', ')}]`;
}

/** How cmdutil.CheckErr prints an aggregate: `error: msg` for one, one line each for several. */
export function aggregateError(errors: readonly string[]): CliError {
  return new CliError(errors.length === 1 ? `error: ${errors[0] ?? ''}` : errors.join('\n'));
}

class NodeDrainer {
  constructor(
    private readonly ctx: CliContext,
    private readonly io: Io,
    private readonly flags: Readonly<DrainFlags>,
    private readonly dryRun: DryRun,
    private readonly clock: DrainClock,
  ) {}

  /** GetPodsForDeletion: the node's pods (all namespaces) with what drain may do to each. */
  private async podsForDeletion(node: string): Promise<PodDelete[]> {
    const list = await this.ctx.api().list<Pod>('pods', {
      fieldSelector: `spec.nodeName=${node}`,
      ...(this.flags.podSelector ? { labelSelector: this.flags.podSelector } : {}),
    });
    return classifyPods(list.items, {
      force: this.flags.force === true,
      ignoreDaemonSets: this.flags.ignoreDaemonsets === true,
      deleteEmptyDirData: this.flags.deleteEmptydirData === true || this.flags.deleteLocalData === true,
      skipWaitForDeleteTimeoutSeconds: this.flags.skipWaitForDeleteTimeout,
      now: this.clock.now(),
    });
  }

  /** deleteOrEvictPodsSimple: the errors that stopped this node's drain (empty: drained). */
  async drain(node: string, timeoutMs: number): Promise<string[]> {
    const list = await this.podsForDeletion(node);
    const refused = drainErrors(list);
    if (refused.length > 0) return refused;
    const warnings = drainWarnings(list);
    if (warnings) this.io.err(`Warning: ${warnings}\n`);
    const pods = podsToDelete(list);
    if (this.dryRun === 'client') {
      for (const pod of pods) this.io.out(`evicting pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} (dry run)\n`);
      return [];
    }
    const opts: RemoveOptions = {
      gracePeriodSeconds: this.flags.gracePeriod,
      timeoutMs,
      serverDryRun: this.dryRun === 'server',
      clock: this.clock,
      out: (t) => this.io.out(t),
      err: (t) => this.io.err(t),
    };
    const api = this.ctx.api();
    const errors = pods.length === 0 ? [] : this.flags.disableEviction ? await deletePods(api, pods, opts) : await evictPods(api, pods, opts);
    if (errors.length === 0) return [];
    const pending = podsToDelete(await this.podsForDeletion(node).catch(() => []));
    if (pending.length > 0) {
      this.io.err(`There are pending pods in node "${node}" when an error occurred: ${aggregateMessage(errors)}\n`);
      for (const pod of pending) this.io.err(`pod/${pod.metadata.name ?? ''}\n`);
    }
    return errors;
  }
}

export async function runDrain(ctx: CliContext, io: Io, names: string[], flags: DrainFlags, clock: DrainClock = realClock): Promise<number> {
  const dryRun = parseDryRun(flags.dryRun);
  const timeoutMs = flags.timeout ? parseDuration(flags.timeout) : 0;
  if (flags.podSelector) {
    try {
      parseSelector(flags.podSelector);
    } catch {
      throw new CliError('error: --pod-selector=<pod_selector> must be a valid label selector');
    }
  }
  const nodes = await resolveNodes(ctx.api(), names, flags, 'drain NODE');
  await cordonNodes(ctx, io, nodes, true, dryRun);

  const drainer = new NodeDrainer(ctx, io, flags, dryRun, clock);
  const drained = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata.name ?? '';
    const errors = await drainer.drain(name, timeoutMs);
    if (errors.length === 0) {
      drained.add(name);
      io.out(operationLine(NODES, name, 'drained', dryRun));
      continue;
    }
    if (flags.ignoreErrors && nodes.length > 1) {
      io.err(`error: unable to drain node "${name}" due to error:${aggregateMessage(errors)}, continuing command...\n`);
      continue;
    }
    io.err(`error: unable to drain node "${name}", aborting command...\n\n`);
    const remaining = nodes.map((n) => n.metadata.name ?? '').filter((n) => !drained.has(n));
    if (remaining.length > 0) io.err(`There are pending nodes to be drained:\n${remaining.map((n) => ` ${n}\n`).join('')}`);
    throw aggregateError(errors);
  }
  return 0;
}

export function drainCommand(): Command {
  return new Command('drain')
    .description('Drain node in preparation for maintenance: cordon it, then evict its pods')
    .argument('[node...]', 'NODE')
    .option('--force', 'continue even if there are pods not managed by a controller')
    .option('--ignore-daemonsets', 'ignore DaemonSet-managed pods')
    .option('--delete-emptydir-data', 'continue even if there are pods using emptyDir (local data that will be deleted when the node is drained)')
    .option('--delete-local-data', 'deprecated: --delete-emptydir-data')
    .option('--ignore-errors', 'ignore errors between the nodes drained together')
    .option('--grace-period <seconds>', "seconds given to each pod to terminate gracefully (negative: the pod's own)", parseIntFlag, -1)
    .option('--timeout <duration>', 'how long to wait before giving up (0: forever)', '0s')
    .option('-l, --selector <selector>', 'the nodes matching this label selector')
    .option('--pod-selector <selector>', "only the node's pods matching this label selector")
    .option('--disable-eviction', 'delete instead of evicting, bypassing PodDisruptionBudgets')
    .option('--skip-wait-for-delete-timeout <seconds>', 'skip pods whose deletion started more than this many seconds ago (0: never)', parseIntFlag, 0)
    .option('--dry-run [strategy]', 'none, client (print only) or server (validate on the server, store nothing)')
    .action(withContext((ctx, io, names: string[], flags: DrainFlags) => runDrain(ctx, io, names, flags)));
}
