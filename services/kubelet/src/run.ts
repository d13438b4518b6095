// The kubelet as a function: `run(signal, config, deps)` serves logs (gRPC) and observability
// (HTTP), registers the Node and keeps its Lease, and runs the sync loop over the pods bound to
// this node until the signal aborts. It then stops working and returns, LEAVING the pods'
// containers running: a restarted kubelet adopts them (as Kubernetes' does).

import type { Pod } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { createLogger, newRegistry, serveObservability, type Logger } from '@skiff/component';
import { EventRecorder, Informer, RealClock, type Clock } from '@skiff/machinery';
import { defaultRootDir, validateConfig, type KubeletConfig } from './config.js';
import { ConfigSourceManager } from './config-sources/config-source-manager.js';
import { KubeletMetrics } from './metrics.js';
import { readMachineInfo, type MachineInfo } from './node/machine-info.js';
import { NodeAgent } from './node/node-agent.js';
import { ContainerConfigurator } from './pod/container-config.js';
import { LABEL_NODE, LABEL_POD_UID, networkName, nodeLabels } from './pod/labels.js';
import { PodSyncer } from './pod/pod-syncer.js';
import { SyncLoop } from './pod/sync-loop.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { InstrumentedRuntime } from './runtime/instrumented-runtime.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { execHandler } from './server/exec-server.js';
import { serveLogs } from './server/logs-server.js';
import { LinuxMounter, type Mounter } from './volumes/mounter.js';
import { VolumeManager } from './volumes/volume-manager.js';

/** What the kubelet needs of the apiserver: ApiClient, or a fake in tests. */
export type KubeletApi = Pick<ApiClient, 'get' | 'list' | 'watch' | 'create' | 'update' | 'updateStatus' | 'patch' | 'delete'>;

export interface KubeletDeps {
  runtime?: ContainerRuntime;
  clock?: Clock;
  client?: KubeletApi;
  log?: Logger;
  machine?: MachineInfo;
  /** Mounts tmpfs for memory-backed volumes; default: mount(8) when running as root, else none. */
  mounter?: Mounter | null;
  /** Called once the servers listen, with the ports they got (useful with port 0). */
  onListening?: (ports: { grpc: number; http: number }) => void;
}

export async function run(signal: AbortSignal, config: KubeletConfig, deps: KubeletDeps = {}): Promise<void> {
  const problems = validateConfig(config);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const node = config.nodeName;
  const log = deps.log ?? createLogger('kubelet', { node });
  const clock = deps.clock ?? new RealClock();
  const registry = newRegistry();
  const metrics = new KubeletMetrics(registry);
  const runtime = new InstrumentedRuntime(deps.runtime ?? new DockerRuntime({ socketPath: config.dockerSocket }), metrics);
  const ownClient = deps.client === undefined ? new ApiClient({ server: config.apiserver }) : undefined;
  const api: KubeletApi = deps.client ?? (ownClient as ApiClient);
  const network = networkName(node);

  let networkReady: Promise<void> | undefined;
  const ensureNetwork = (recheck = false): Promise<void> => {
    if (recheck) networkReady = undefined;
    networkReady ??= runtime
      .ensureNetwork({ name: network, labels: { [LABEL_NODE]: node }, ...(config.podCIDR !== undefined ? { subnet: config.podCIDR } : {}) })
      .then((n) => {
        if (config.podCIDR !== undefined && n.subnet !== undefined && n.subnet !== config.podCIDR) {
          log.warn({ network, subnet: n.subnet, podCIDR: config.podCIDR }, 'the node network exists with another subnet than --pod-cidr');
        }
      })
      .catch((e: unknown) => {
        networkReady = undefined;
        throw e;
      });
    return networkReady;
  };

  const informer = new Informer<Pod>(api, 'pods', { fieldSelector: `spec.nodeName=${node}`, log: log.child({ informer: 'pods' }), clock });
  const exec = execHandler({ runtime, node, getPod: (ns, name) => informer.get(`${ns}/${name}`), log: log.child({ server: 'exec' }) });
  const logsServer = await serveLogs({ runtime, node, host: config.address, port: config.port, log: log.child({ server: 'logs' }), handlers: { Exec: exec } });

  const recorder = new EventRecorder(api, { component: 'kubelet', host: node }, log, clock);
  const machine = deps.machine ?? readMachineInfo();
  const allocatable = () => ({ cpu: config.cpu ?? machine.cpu, memory: config.memory ?? String(machine.memoryBytes) });
  // ConfigMaps and Secrets: one watch per object a pod refers to; a change re-syncs those pods.
  const sources = new ConfigSourceManager({ api, clock, log: log.child({ component: 'config-sources' }), onChange: (keys) => keys.forEach((k) => loop.queue.add(k)) });
  const mounter = deps.mounter === undefined ? (process.getuid?.() === 0 ? new LinuxMounter() : undefined) : (deps.mounter ?? undefined);
  const volumes = new VolumeManager({
    rootDir: config.rootDir ?? defaultRootDir(node),
    sources,
    allocatable,
    log: log.child({ component: 'volumes' }),
    ...(mounter ? { mounter } : {}),
  });
  const configurator = new ContainerConfigurator({ runtime, sources, volumes, hostIP: config.address, allocatable, events: recorder, log });
  const syncer = new PodSyncer({
    runtime,
    api,
    clock,
    log,
    node,
    hostIP: config.address,
    network,
    ensureNetwork,
    infraImage: config.podInfraImage,
    ...(config.registry !== undefined ? { registry: config.registry } : {}),
    events: recorder,
    metrics,
    configurator,
  });
  const loop = new SyncLoop({
    runtime,
    informer,
    syncer,
    clock,
    log,
    node,
    workers: config.podWorkers,
    housekeepingIntervalMs: config.housekeepingIntervalMs,
    resyncIntervalMs: config.resyncIntervalMs,
    metrics,
  });
  const agent = new NodeAgent({
    api,
    runtime,
    clock,
    log: log.child({ loop: 'node-status' }),
    id: {
      name: node,
      address: config.address,
      port: logsServer.port,
      labels: config.nodeLabels,
      taints: config.registerWithTaints,
      ...(config.podCIDR !== undefined ? { podCIDR: config.podCIDR } : {}),
      ...(config.cpu !== undefined ? { cpu: config.cpu } : {}),
      ...(config.memory !== undefined ? { memory: config.memory } : {}),
    },
    machine,
    statusUpdateFrequencyMs: config.nodeStatusUpdateFrequencyMs,
    metrics,
  });

  const staleAfterMs = Math.max(config.housekeepingIntervalMs * 5, 30_000);
  const observability = await serveObservability({
    host: config.address,
    port: config.httpPort,
    registry,
    healthz: {
      syncloop: () => {
        const last = loop.lastHousekeepingAt();
        return last === 0 || clock.now() - last < staleAfterMs ? undefined : `the runtime was last relisted ${Math.round((clock.now() - last) / 1000)}s ago`;
      },
    },
    readyz: {
      'node-registered': () => (agent.isRegistered() ? undefined : 'the node is not registered yet'),
      'pods-synced': () => (informer.hasSynced() ? undefined : 'pods not yet listed from the apiserver'),
      runtime: () => agent.runtimeError(),
    },
  });
  deps.onListening?.({ grpc: logsServer.port, http: observability.port });
  log.info({ address: config.address, port: logsServer.port, httpPort: observability.port, apiserver: config.apiserver }, 'kubelet listening');

  ensureNetwork().catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e), network }, 'could not create the node network yet'));

  // Everything below stops when `work` aborts: the outer signal.
  informer.start(signal);
  const running = [
    agent.run(signal),
    loop.run(signal),
    // Volumes of pods that are gone (deleted while the kubelet was down, say).
    informer.waitForSync(signal).then(() =>
      volumes.runCleanup(signal, {
        clock,
        intervalMs: Math.max(config.resyncIntervalMs * 3, 30_000),
        active: async () => {
          const uids = new Set(informer.list().map((p) => p.metadata.uid ?? ''));
          for (const c of await runtime.listContainers(nodeLabels(node))) uids.add(c.labels[LABEL_POD_UID] ?? '');
          return uids;
        },
      }),
    ),
  ];
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  log.info('stopping: pods keep running');
  // Syncs in flight may wait on a container's grace period: give them a moment, not forever.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled(running), new Promise<void>((r) => (timer = setTimeout(r, 5_000)))]);
  clearTimeout(timer);
  syncer.probes.stop();
  sources.stop();
  await Promise.all([logsServer.close(), observability.close()]);
  ownClient?.close();
}
