// skiff logs POD|pod/NAME|rs/NAME|deploy/NAME [-c CONTAINER] [-f] [--tail N] [--timestamps] [-p]
// [--since DURATION | --since-time RFC3339]: a container's log through the apiserver (which asks
// the pod's kubelet). For a replicaset or deployment, one of its pods is chosen (running first,
// then oldest), as kubectl does.

import { Command, InvalidArgumentError } from 'commander';
import { parseDurationMs } from '@skiff/component';
import type { LogOptions } from '@skiff/client';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { parseIntFlag, withContext, type Io } from './common.js';
import { defaultContainer, resolvePodTarget } from './pod-target.js';

export interface LogsOptions {
  container?: string;
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
  previous?: boolean;
  /** --since, in milliseconds (0: not set). */
  since?: number;
  /** --since-time, RFC 3339. */
  sinceTime?: string;
}

/** `--since 10s`: a Go duration, in milliseconds. */
export function parseSinceFlag(value: string): number {
  const ms = parseDurationMs(value);
  if (ms === undefined) throw new InvalidArgumentError(`time: invalid duration "${value}"`);
  return ms;
}

const RFC3339 = /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;

/**
 * --since / --since-time as kubectl's ToLogOptions and Validate make them: at most one; --since
 * rounded to whole seconds (at least 1, so a sub-second --since still bounds the log), negative
 * refused; --since-time RFC 3339, sent in UTC.
 */
export function sinceOptions(opts: Pick<LogsOptions, 'since' | 'sinceTime'>): Pick<LogOptions, 'sinceSeconds' | 'sinceTime'> {
  const since = opts.since ?? 0;
  const sinceTime = opts.sinceTime ?? '';
  if (sinceTime !== '' && since !== 0) throw new CliError('error: at most one of `sinceTime` or `sinceSeconds` may be specified');
  if (since < 0) throw new CliError('error: --since must be greater than 0');
  if (since > 0) return { sinceSeconds: Math.max(1, Math.round(since / 1000)) };
  if (sinceTime !== '') {
    const ms = RFC3339.test(sinceTime) ? Date.parse(sinceTime.toUpperCase()) : NaN;
    if (Number.isNaN(ms)) throw new CliError(`error: parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse "${sinceTime}" as RFC 3339`);
    return { sinceTime: new Date(ms).toISOString() };
  }
  return {};
}

export async function runLogs(ctx: CliContext, io: Io, target: string, opts: LogsOptions, signal?: AbortSignal): Promise<number> {
  const since = sinceOptions(opts);
  const { pod, candidates } = await resolvePodTarget(ctx.api(), ctx.namespace, target, 'get the logs from');
  if (candidates > 1) io.err(`Found ${candidates} pods, using pod/${pod.metadata.name ?? ''}\n`);
  const container = opts.container || defaultContainer(pod, io);
  const stream = ctx.api().logs(pod.metadata.namespace ?? ctx.namespace, pod.metadata.name ?? '', {
    ...(container ? { container } : {}),
    follow: opts.follow === true,
    ...(opts.tail !== undefined && opts.tail >= 0 ? { tailLines: opts.tail } : {}),
    timestamps: opts.timestamps === true,
    previous: opts.previous === true,
    ...since,
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
    .option('--since <duration>', 'only lines newer than a relative duration like 5s, 2m, or 3h (default: all)', parseSinceFlag)
    .option('--since-time <time>', 'only lines after an RFC 3339 time, e.g. 2024-05-01T12:00:00Z (at most one of --since and --since-time)')
    .action(withContext((ctx, io, target: string, opts: LogsOptions) => runLogs(ctx, io, target, opts)));
}
