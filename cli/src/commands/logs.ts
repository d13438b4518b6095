// skiff logs POD|pod/NAME|rs/NAME|deploy/NAME [-c CONTAINER] [-f] [--tail N] [--timestamps] [-p]:
// a container's log through the apiserver (which asks the pod's kubelet). For a replicaset or
// deployment, one of its pods is chosen (running first, then oldest), as kubectl does.

import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { parseIntFlag, withContext, type Io } from './common.js';
import { defaultContainer, resolvePodTarget } from './pod-target.js';

export interface LogsOptions {
  container?: string;
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
  previous?: boolean;
}

export async function runLogs(ctx: CliContext, io: Io, target: string, opts: LogsOptions, signal?: AbortSignal): Promise<number> {
  const { pod, candidates } = await resolvePodTarget(ctx.api(), ctx.namespace, target, 'get the logs from');
  if (candidates > 1) io.err(`Found ${candidates} pods, using pod/${pod.metadata.name ?? ''}\n`);
  const container = opts.container || defaultContainer(pod, io);
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
    .description("Print the logs of a container in a pod (or of one of a workload's pods)")
    .argument('<pod>', 'POD | pod/NAME | rs/NAME | deploy/NAME')
    .option('-c, --container <name>', 'the container (default: the only one, else the first)')
    .option('-f, --follow', 'stream the log as it grows')
    .option('--tail <lines>', 'lines of recent log to show (-1: all)', parseIntFlag, -1)
    .option('--timestamps', 'prefix each line with its timestamp')
    .option('-p, --previous', "the previous (terminated) instance's log")
    .action(withContext((ctx, io, target: string, opts: LogsOptions) => runLogs(ctx, io, target, opts)));
}
