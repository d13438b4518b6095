// skiff logs POD|pod/NAME|rs/NAME [-c CONTAINER] [-f] [--tail N] [--timestamps] [-p]: a
// container's log through the apiserver (which asks the pod's kubelet). For a replicaset, one of
// its pods is chosen (running first, then oldest), as kubectl does.

import { controllerOf, selectorFromLabelSelector, type Pod, type ReplicaSet } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { resolveResource } from '../resource-args.js';
import { parseIntFlag, withContext, type Io } from './common.js';

export interface LogsOptions {
  container?: string;
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
  previous?: boolean;
}

/** The pod kubectl would pick among a controller's pods: running ones first, then the oldest. */
export function pickPod(pods: readonly Pod[]): Pod | undefined {
  const rank = (p: Pod): number => (p.metadata.deletionTimestamp ? 2 : p.status?.phase === 'Running' ? 0 : 1);
  return [...pods].sort((a, b) => rank(a) - rank(b) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''))[0];
}

async function resolvePod(ctx: CliContext, io: Io, arg: string): Promise<Pod> {
  const slash = arg.indexOf('/');
  if (slash < 0) return ctx.api().get<Pod>('pods', ctx.namespace, arg);
  const info = resolveResource(arg.slice(0, slash));
  const name = arg.slice(slash + 1);
  if (info.resource === 'pods') return ctx.api().get<Pod>('pods', ctx.namespace, name);
  if (info.resource !== 'replicasets') throw new CliError(`error: cannot get the logs from ${info.kind.toLowerCase()}: selector for ${info.kind.toLowerCase()} not implemented`);
  const rs = await ctx.api().get<ReplicaSet>('replicasets', ctx.namespace, name);
  const list = await ctx.api().list<Pod>('pods', { namespace: ctx.namespace, labelSelector: selectorFromLabelSelector(rs.spec?.selector).toString() });
  const owned = list.items.filter((p) => controllerOf(p)?.uid === rs.metadata.uid);
  const pod = pickPod(owned);
  if (!pod) throw new CliError(`error: timed out waiting for the condition`);
  if (owned.length > 1) io.err(`Found ${owned.length} pods, using pod/${pod.metadata.name ?? ''}\n`);
  return pod;
}

export async function runLogs(ctx: CliContext, io: Io, target: string, opts: LogsOptions, signal?: AbortSignal): Promise<number> {
  const pod = await resolvePod(ctx, io, target);
  let container = opts.container;
  const containers = pod.spec?.containers ?? [];
  if (!container && containers.length > 1) {
    container = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'] ?? containers[0]?.name;
    io.err(`Defaulted container "${container ?? ''}" out of: ${containers.map((c) => c.name).join(', ')}\n`);
  }
  const stream = ctx.api().logs(pod.metadata.namespace ?? ctx.namespace, pod.metadata.name ?? '', {
    ...(container ? { container } : {}),
    follow: opts.follow === true,
    ...(opts.tail !== undefined && opts.tail >= 0 ? { tailLines: opts.tail } : {}),
    timestamps: opts.timestamps === true,
    previous: opts.previous === true,
  });
  const stop = (): void => stream.close();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for await (const chunk of stream) io.out(chunk.toString('utf8'));
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  return 0;
}

export function logsCommand(): Command {
  return new Command('logs')
    .description("Print the logs of a container in a pod (or of one of a replicaset's pods)")
    .argument('<pod>', 'POD | pod/NAME | rs/NAME')
    .option('-c, --container <name>', 'the container (default: the only one, else the first)')
    .option('-f, --follow', 'stream the log as it grows')
    .option('--tail <lines>', 'lines of recent log to show (-1: all)', parseIntFlag, -1)
    .option('--timestamps', 'prefix each line with its timestamp')
    .option('-p, --previous', "the previous (terminated) instance's log")
    .action(withContext((ctx, io, target: string, opts: LogsOptions) => runLogs(ctx, io, target, opts)));
}
