// The controller-manager: under leader election (the kube-system/kube-controller-manager Lease),
// it starts one shared informer per resource, waits for their caches, then runs each enabled
// controller's workers. It serves /metrics, /healthz and /readyz throughout. Resolves once the
// signal aborts and every worker has drained. It reaches the cluster only through the API client.

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import type { Deployment, KubeObject, Lease, Namespace, Node, Pod, PodDisruptionBudget, ReplicaSet } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { createLogger, newRegistry, serveObservability, type Logger } from '@skiff/component';
import { EventRecorder, RealClock, runLeaderElected, workQueueMetrics, type Clock, type Informer, type WorkQueue, type WorkQueueMetrics } from '@skiff/machinery';
import type { Registry } from 'prom-client';
import { isServed } from './available-resources.js';
import { enabledControllers, type ControllerName } from './controllers.js';
import { DeploymentController } from './controllers/deployment/deployment-controller.js';
import { DisruptionController } from './controllers/disruption/disruption-controller.js';
import { GarbageCollector } from './controllers/garbage-collector/garbage-collector.js';
import { NamespaceController } from './controllers/namespace/namespace-controller.js';
import { DEFAULT_NODE_LIFECYCLE_OPTIONS, NodeLifecycleController, type NodeLifecycleOptions } from './controllers/node-lifecycle/node-lifecycle-controller.js';
import { TaintEvictionController } from './controllers/node-lifecycle/taint-eviction.js';
import { ReplicaSetController } from './controllers/replicaset/replicaset-controller.js';
import { DEFAULT_NETWORK_OPTIONS, networkControllers, type NetworkOptions } from './network-controllers.js';
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
  concurrentDeploymentSyncs: number;
  concurrentNamespaceSyncs: number;
  concurrentGcSyncs: number;
  /** The node lifecycle controller's periods and rates (`--node-monitor-period`, `--node-monitor-grace-period`, ...). */
  nodeLifecycle?: Partial<NodeLifecycleOptions>;
  /** The networking controllers' workers, slice sizes and pod CIDRs (`--cluster-cidr`, `--max-endpoints-per-slice`, ...). */
  network?: Partial<NetworkOptions>;
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
  concurrentDeploymentSyncs: 5,
  concurrentNamespaceSyncs: 10,
  concurrentGcSyncs: 20,
  nodeLifecycle: DEFAULT_NODE_LIFECYCLE_OPTIONS,
  network: DEFAULT_NETWORK_OPTIONS,
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
export const GC_RESOURCES = ['deployments', 'replicasets', 'pods'] as const;

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

/** Feeds a controller's queue into the workqueue metrics (its depth shows from the start). */
function instrument(queue: WorkQueue, metrics: WorkQueueMetrics): void {
  queue.metrics = metrics;
  metrics.depth(queue.name, 0);
}

/** One leadership term: informers, caches, workers; returns once `signal` aborts and all drained. */
async function runControllers(signal: AbortSignal, env: Env): Promise<void> {
  const { client, log, clock, config } = env;
  // Every informer and worker pool of the term listens on this one signal.
  setMaxListeners(0, signal);
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
    instrument(controller.queue, env.queueMetrics);
    workers.push(() => controller.run(signal, config.concurrentReplicaSetSyncs));
  }
  // Deployments are watched only once the apiserver serves them (an informer that can never sync
  // would hold every controller back).
  const deploymentsServed = await isServed(client, 'deployments');
  if (env.enabled.includes('deployment')) {
    if (deploymentsServed) {
      const controller = new DeploymentController({
        deployments: informers.for<Deployment>('deployments'),
        replicaSets: informers.for<ReplicaSet>('replicasets'),
        pods: informers.for<Pod>('pods'),
        client,
        recorder: new EventRecorder(client, { component: 'deployment-controller' }, log, clock),
        clock,
        log,
      });
      instrument(controller.queue, env.queueMetrics);
      workers.push(() => controller.run(signal, config.concurrentDeploymentSyncs));
    } else {
      log.warn({ controller: 'deployment' }, 'the apiserver does not serve deployments: deployment controller not started');
    }
  }
  if (env.enabled.includes('namespace')) {
    const controller = new NamespaceController({
      namespaces: informers.for<Namespace>('namespaces'),
      content: [informers.for<KubeObject>('pods')],
      client,
      clock,
      log,
    });
    instrument(controller.queue, env.queueMetrics);
    workers.push(() => controller.run(signal, config.concurrentNamespaceSyncs));
  }
  if (env.enabled.includes('garbagecollector')) {
    const gcResources = GC_RESOURCES.filter((r) => r !== 'deployments' || deploymentsServed);
    const gcInformers = new Map<string, Informer<KubeObject>>(gcResources.map((r) => [r, informers.for<KubeObject>(r)]));
    const gc = new GarbageCollector({ informers: gcInformers, client, clock, log });
    instrument(gc.queue, env.queueMetrics);
    workers.push(() => gc.run(signal, config.concurrentGcSyncs));
  }
  if (env.enabled.includes('nodelifecycle')) {
    const nodes = informers.for<Node>('nodes');
    const pods = informers.for<Pod>('pods');
    const nodeLifecycle = new NodeLifecycleController({
      nodes,
      leases: informers.for<Lease>('leases'),
      pods,
      client,
      recorder: new EventRecorder(client, { component: 'node-controller' }, log, clock),
      clock,
      log,
      options: config.nodeLifecycle ?? {},
    });
    const taintEviction = new TaintEvictionController({ nodes, pods, client, recorder: new EventRecorder(client, { component: 'taint-eviction-controller' }, log, clock), clock, log });
    for (const queue of [nodeLifecycle.nodeQueue, nodeLifecycle.podQueue, taintEviction.queue]) instrument(queue, env.queueMetrics);
    workers.push(() => nodeLifecycle.run(signal), () => taintEviction.run(signal));
  }
  if (env.enabled.includes('disruption')) {
    if (await isServed(client, 'poddisruptionbudgets')) {
      const disruption = new DisruptionController({
        pdbs: informers.for<PodDisruptionBudget>('poddisruptionbudgets'),
        pods: informers.for<Pod>('pods'),
        replicaSets: informers.for<ReplicaSet>('replicasets'),
        client,
        recorder: new EventRecorder(client, { component: 'controllermanager' }, log, clock),
        clock,
        log,
      });
      instrument(disruption.queue, env.queueMetrics);
      workers.push(() => disruption.run(signal, 1));
    } else {
      log.warn({ controller: 'disruption' }, 'the apiserver does not serve poddisruptionbudgets: disruption controller not started');
    }
  }

  workers.push(
    ...(await networkControllers({ informers, client, clock, log, enabled: env.enabled, options: config.network ?? {}, signal, instrument: (q) => instrument(q, env.queueMetrics) })),
  );

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
    const election = config.leaderElect
      ? { namespace: LEASE_NAMESPACE, name: LEASE_NAME, identity, clock, log, ...(config.leaseDurationSeconds !== undefined && { leaseDurationSeconds: config.leaseDurationSeconds }) }
      : undefined;
    await runLeaderElected(client, election, signal, (leaderSignal) => runControllers(leaderSignal, env));
  } finally {
    await server.close();
    ownClient?.close();
  }
}
