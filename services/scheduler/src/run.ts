// The scheduler component: informers on pods and nodes, the scheduling loop (under leader election
// on the kube-system/kube-scheduler Lease when enabled), and /metrics, /healthz, /readyz. Resolves
// once the signal aborts and everything has stopped.

import { hostname } from 'node:os';
import type { Node, Pod } from '@skiff/api';
import { ApiClient, type ApiInterface } from '@skiff/client';
import { createLogger, newRegistry, serveObservability, type Logger } from '@skiff/component';
import { EventRecorder, Informer, RealClock, runLeaderElected, type Clock } from '@skiff/machinery';
import type { Registry } from 'prom-client';
import { SchedulerMetrics } from './metrics.js';
import { DEFAULT_PROFILE } from './profile.js';
import { Scheduler } from './scheduler.js';
import type { SchedulingQueueOptions } from './scheduling-queue.js';

export interface SchedulerConfig {
  /** host:port of the apiserver's gRPC endpoint. */
  apiserver: string;
  bindAddress: string;
  /** Observability port (0 picks a free one: see deps.onListening). */
  httpPort: number;
  leaderElect: boolean;
  /** Leader-election identity; default `<hostname>_<pid>`. */
  identity?: string;
  leaseDurationSeconds?: number;
}

export interface SchedulerRunDeps {
  client?: ApiInterface;
  log?: Logger;
  registry?: Registry;
  clock?: Clock;
  queue?: Omit<SchedulingQueueOptions, 'clock'>;
  onListening?: (httpPort: number) => void;
}

export const LEASE_NAMESPACE = 'kube-system';
export const LEASE_NAME = 'kube-scheduler';

export async function run(signal: AbortSignal, config: SchedulerConfig, deps: SchedulerRunDeps = {}): Promise<void> {
  const log = deps.log ?? createLogger('scheduler');
  const ownClient = deps.client ? undefined : new ApiClient({ server: config.apiserver });
  const client: ApiInterface = deps.client ?? (ownClient as ApiClient);
  const registry = deps.registry ?? newRegistry();
  const clock = deps.clock ?? new RealClock();
  const identity = config.identity ?? `${hostname()}_${process.pid}`;

  const pods = new Informer<Pod>(client, 'pods', { log: log.child({ informer: 'pods' }), clock });
  const nodes = new Informer<Node>(client, 'nodes', { log: log.child({ informer: 'nodes' }), clock });
  const recorder = new EventRecorder(client, { component: DEFAULT_PROFILE.schedulerName, host: hostname() }, log, clock);
  const metrics = new SchedulerMetrics(registry);
  const scheduler = new Scheduler({
    client,
    pods,
    nodes,
    recorder,
    metrics,
    log,
    clock,
    ...(deps.queue && { queue: deps.queue }),
  });

  const server = await serveObservability({
    host: config.bindAddress,
    port: config.httpPort,
    registry,
    healthz: { ping: () => undefined },
    readyz: {
      informers: () => (pods.hasSynced() && nodes.hasSynced() ? undefined : 'pod and node caches not synced yet'),
    },
  });
  log.info({ apiserver: config.apiserver, http: `${config.bindAddress}:${server.port}`, leaderElect: config.leaderElect, identity }, 'scheduler listening');
  deps.onListening?.(server.port);

  try {
    pods.start(signal);
    nodes.start(signal);
    const election = config.leaderElect
      ? { namespace: LEASE_NAMESPACE, name: LEASE_NAME, identity, clock, log, ...(config.leaseDurationSeconds !== undefined && { leaseDurationSeconds: config.leaseDurationSeconds }) }
      : undefined;
    await runLeaderElected(client, election, signal, (leaderSignal) => scheduler.run(leaderSignal));
  } finally {
    await server.close();
    ownClient?.close();
  }
}
