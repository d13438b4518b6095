// The controller-manager: under leader election (the kube-system/kube-controller-manager Lease),
// it starts one shared informer per resource, waits for their caches, then runs each enabled
// controller's workers. It serves /metrics, /healthz and /readyz throughout. Resolves once the
// signal aborts and every worker has drained. It reaches the cluster only through the API client.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { KubeObject, Pod, ReplicaSet } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { createLogger, newRegistry, serveObservability, type Logger } from '@skiff/component';
import { EventRecorder, LeaderElector, RealClock, workQueueMetrics, type Clock, type Informer, type WorkQueueMetrics } from '@skiff/machinery';
import type { Registry } from 'prom-client';
import { enabledControllers, type ControllerName } from './controllers.js';
import { GarbageCollector } from './controllers/garbage-collector/garbage-collector.js';
import { ReplicaSetController } from './controllers/replicaset/replicaset-controller.js';
import { ApiPodControl } from './pod-control.js';
import { SharedInformers } from './shared-informers.js';

export interface ControllerManagerConfig {
  /** host:port of the apiserver's gRPC endpoint. */
  apiserver: string;
  bindAddress: string;
  /** Observability port; 0 picks a free one (see deps.onListening). */
  httpPort: number;
  leaderElect: boolean;
  /** `--controllers`: `*`, names, `-name`s. */
  controllers: string | readonly string[];
  concurrentReplicaSetSyncs: number;
  concurrentGcSyncs: number;
  /** Leader-election identity; default `<hostname>_<uuid>` as kube-controller-manager. */
  identity?: string;
  leaseDurationSeconds?: number;
}

export const DEFAULT_CONFIG: ControllerManagerConfig = {
  apiserver: '127.0.0.1:6444',
  bindAddress: '127.0.0.1',
  httpPort: 10257,
  leaderElect: true,
  controllers: '*',
  concurrentReplicaSetSyncs: 5,
  concurrentGcSyncs: 20,
};

/** What the controller-manager needs of the API: `ApiClient` satisfies it. */
export type ControllerManagerClient = Pick<ApiClient, 'list' | 'watch' | 'get' | 'create' | 'update' | 'updateStatus' | 'patch' | 'delete'>;

export interface ControllerManagerDeps {
  client?: ControllerManagerClient;
  log?: Logger;
  registry?: Registry;
  clock?: Clock;
  onListening?: (httpPort: number) => void;
}

export const LEASE_NAMESPACE = 'kube-system';
export const LEASE_NAME = 'kube-controller-manager';
/** The kinds the garbage collector watches (it resolves other owner kinds with live reads). */
export const GC_RESOURCES = ['replicasets', 'pods'] as const;

interface Env {
  client: ControllerManagerClient;
  log: Logger;
  clock: Clock;
  queueMetrics: WorkQueueMetrics;
  config: ControllerManagerConfig;
  enabled: readonly ControllerName[];
  /** The informers of the current leadership term, for /readyz. */
  current: { informers?: SharedInformers };
}

/** One leadership term: informers, caches, workers; returns once `signal` aborts and all drained. */
async function runControllers(signal: AbortSignal, env: Env): Promise<void> {
  const { client, log, clock, config } = env;
  const informers = new SharedInformers(client, { log, clock });
  env.current.informers = informers;
  const workers: (() => Promise<void>)[] = [];

  if (env.enabled.includes('replicaset')) {
    const controller = new ReplicaSetController({
      replicaSets: informers.for<ReplicaSet>('replicasets'),
      pods: informers.for<Pod>('pods'),
      client,
      podControl: new ApiPodControl(client),
      recorder: new EventRecorder(client, { component: 'replicaset-controller' }, log, clock),
      clock,
      log,
    });
    controller.queue.metrics = env.queueMetrics;
    env.queueMetrics.depth(controller.queue.name, 0);
    workers.push(() => controller.run(signal, config.concurrentReplicaSetSyncs));
  }
  if (env.enabled.includes('garbagecollector')) {
    const gcInformers = new Map<string, Informer<KubeObject>>(GC_RESOURCES.map((r) => [r, informers.for<KubeObject>(r)]));
    const gc = new GarbageCollector({ informers: gcInformers, client, clock, log });
    gc.queue.metrics = env.queueMetrics;
    env.queueMetrics.depth(gc.queue.name, 0);
    workers.push(() => gc.run(signal, config.concurrentGcSyncs));
  }

  try {
    informers.start(signal);
    await informers.waitForSync(signal);
    if (signal.aborted) return;
    log.info({ controllers: env.enabled, informers: informers.resources() }, 'caches synced, starting controllers');
    await Promise.all(workers.map((w) => w()));
  } finally {
    delete env.current.informers;
  }
}

export async function run(signal: AbortSignal, config: ControllerManagerConfig, deps: ControllerManagerDeps = {}): Promise<void> {
  const enabled = enabledControllers(config.controllers);
  const log = deps.log ?? createLogger('controller-manager');
  const ownClient = deps.client ? undefined : new ApiClient({ server: config.apiserver });
  const client: ControllerManagerClient = deps.client ?? (ownClient as ApiClient);
  const registry = deps.registry ?? newRegistry();
  const clock = deps.clock ?? new RealClock();
  const identity = config.identity ?? `${hostname()}_${randomUUID()}`;
  const env: Env = { client, log, clock, queueMetrics: workQueueMetrics(registry), config, enabled, current: {} };

  const server = await serveObservability({
    host: config.bindAddress,
    port: config.httpPort,
    registry,
    healthz: { ping: () => undefined },
    readyz: {
      // A standby (not leading) is ready; a leader is ready once its caches have synced.
      informers: () => (env.current.informers && !env.current.informers.hasSynced() ? 'informer caches not synced yet' : undefined),
    },
  });
  log.info({ apiserver: config.apiserver, http: `${config.bindAddress}:${server.port}`, leaderElect: config.leaderElect, controllers: enabled, identity }, 'controller-manager listening');
  deps.onListening?.(server.port);

  try {
    if (config.leaderElect) {
      const elector = new LeaderElector(client, {
        namespace: LEASE_NAMESPACE,
        name: LEASE_NAME,
        identity,
        clock,
        log,
        ...(config.leaseDurationSeconds !== undefined && { leaseDurationSeconds: config.leaseDurationSeconds }),
      });
      await elector.run(signal, (leaderSignal) => runControllers(leaderSignal, env));
    } else {
      await runControllers(signal, env);
    }
  } finally {
    await server.close();
    ownClient?.close();
  }
}
