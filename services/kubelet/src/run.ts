// The kubelet as a function: `run(signal, config, deps)` serves logs (gRPC) and observability
// (HTTP), registers the Node and keeps its Lease, sets up the node's pod network (network/), and
// runs the sync loop over the pods bound to this node until the signal aborts. It then stops
// working and returns, LEAVING the pods' containers running: a restarted kubelet adopts them (as
// Kubernetes' does).

import { setMaxListeners } from 'node:events';
import { objectKey, type Node, type Pod, type Service } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { createLogger, newRegistry, serveObservability, type Logger } from '@skiff/component';
import { EventRecorder, Informer, RealClock, runWorkers, WorkQueue, type Clock } from '@skiff/machinery';
import { defaultRootDir, validateConfig, type KubeletConfig } from './config.js';
import { ConfigSourceManager } from './config-sources/config-source-manager.js';
import { KubeletMetrics } from './metrics.js';
import { readMachineInfo, type MachineInfo } from './node/machine-info.js';
import { NodeAgent } from './node/node-agent.js';
import { NodeFirewall } from './network/firewall.js';
import { IpRouteProgrammer } from './network/ip-route.js';
import { ExecIptables, type Iptables } from './network/iptables.js';
import { hostIPv4Addresses, isLocalAddress } from './network/local-addresses.js';
import { NodeNetwork } from './network/node-network.js';
import { RouteManager, routeStateFile } from './network/route-manager.js';
import { internalIP, type RouteProgrammer } from './network/routes.js';
import { ContainerConfigurator } from './pod/container-config.js';
import { LABEL_POD_UID, networkName, nodeLabels } from './pod/labels.js';
import { PodNetworkFiles } from './pod/pod-network-files.js';
import { PodSyncer } from './pod/pod-syncer.js';
import { SyncLoop } from './pod/sync-loop.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { InstrumentedRuntime } from './runtime/instrumented-runtime.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { execHandler } from './server/exec-server.js';
import { portForwardHandler } from './server/portforward-server.js';
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
  /** The node's iptables rules (DOCKER-USER, masquerade); null: none. Default: the real iptables
   *  with the Docker runtime, none with any other runtime (a fake's networks are not the host's). */
  iptables?: Iptables | null;
  /** Routes to other hosts' nodes; null: none. Default as for `iptables`. */
  routes?: RouteProgrammer | null;
  /** This host's addresses (default os.networkInterfaces()); 127.0.0.0/8 always counts. */
  hostAddresses?: () => string[];
}

/** How often the node's iptables rules and routes are checked even when no Node changed. */
const HOST_NETWORK_RESYNC_MS = 30_000;

/** Whether a Node change can move routes (its pod CIDR or address) or this node's own pod CIDR. */
function routingChanged(old: Readonly<Node>, cur: Readonly<Node>): boolean {
  return old.spec?.podCIDR !== cur.spec?.podCIDR || internalIP(old) !== internalIP(cur) || (old.metadata.deletionTimestamp === undefined) !== (cur.metadata.deletionTimestamp === undefined);
}

export async function run(signal: AbortSignal, config: KubeletConfig, deps: KubeletDeps = {}): Promise<void> {
  const problems = validateConfig(config);
  if (problems.length > 0) throw new Error(problems.join('; '));
  const node = config.nodeName;
  // Informers, loops and sleeps all listen on the one signal: more than Node's default warning limit.
  setMaxListeners(64, signal);
  const log = deps.log ?? createLogger('kubelet', { node });
  const clock = deps.clock ?? new RealClock();
  const registry = newRegistry();
  const metrics = new KubeletMetrics(registry);
  const runtime = new InstrumentedRuntime(deps.runtime ?? new DockerRuntime({ socketPath: config.dockerSocket }), metrics);
  const ownClient = deps.client === undefined ? new ApiClient({ server: config.apiserver }) : undefined;
  const api: KubeletApi = deps.client ?? (ownClient as ApiClient);
  const network = networkName(node);
  const rootDir = config.rootDir ?? defaultRootDir(node);

  // The host's networking is only touched for the real engine: a fake runtime's networks are not the host's.
  const onDocker = deps.runtime === undefined || deps.runtime instanceof DockerRuntime;
  const iptables = deps.iptables === undefined ? (onDocker ? new ExecIptables() : null) : deps.iptables;
  const routeProgrammer = deps.routes === undefined ? (onDocker ? new IpRouteProgrammer() : null) : deps.routes;
  const hostAddresses = deps.hostAddresses ?? hostIPv4Addresses;
  const nodeNetwork = new NodeNetwork({
    runtime,
    node,
    network,
    clusterCIDR: config.clusterCIDR,
    ...(config.podCIDR !== undefined ? { podCIDR: config.podCIDR } : {}),
    ...(iptables ? { firewall: new NodeFirewall(iptables, node, config.clusterCIDR) } : {}),
    // Hairpin mode is the host's bridge: only for the real engine.
    ...(onDocker ? {} : { hairpin: async () => 0 }),
    ...(routeProgrammer
      ? {
          routes: new RouteManager({
            programmer: routeProgrammer,
            stateFile: routeStateFile(rootDir),
            node,
            isLocal: (ip) => isLocalAddress(ip, hostAddresses()),
            log: log.child({ component: 'routes' }),
          }),
        }
      : {}),
    log: log.child({ component: 'network' }),
    onReadyChange: (ready) => {
      // Pods waiting for the network can start now; the Node's Ready condition follows.
      if (ready) enqueueAllPods();
      agent.refreshStatus().catch((e: unknown) => log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not write the node status'));
    },
  });
  const ensureNetwork = (recheck = false): Promise<void> => nodeNetwork.ensure(recheck);

  // Every Node: this node's pod CIDR, and the routes to the pods of nodes on other hosts.
  const nodes = new Informer<Node>(api, 'nodes', { log: log.child({ informer: 'nodes' }), clock });
  const hostQueue = new WorkQueue({ clock, name: 'host-network', baseDelayMs: 1_000, maxDelayMs: HOST_NETWORK_RESYNC_MS });
  const HOST_KEY = 'host';
  nodes.on({
    add: (n) => {
      if (n.metadata.name === node) nodeNetwork.observeNode(n);
      hostQueue.add(HOST_KEY);
    },
    update: (old, cur) => {
      if (cur.metadata.name === node) nodeNetwork.observeNode(cur);
      if (routingChanged(old, cur)) hostQueue.add(HOST_KEY);
    },
    delete: (n) => {
      if (n.metadata.name === node) nodeNetwork.observeNode(undefined);
      hostQueue.add(HOST_KEY);
    },
  });
  // Services, for the `<NAME>_SERVICE_HOST` variables of starting containers.
  const services = new Informer<Service>(api, 'services', { log: log.child({ informer: 'services' }), clock });

  const informer = new Informer<Pod>(api, 'pods', { fieldSelector: `spec.nodeName=${node}`, log: log.child({ informer: 'pods' }), clock });
  const enqueueAllPods = (): void => {
    for (const p of informer.list()) loop.queue.add(objectKey(p));
  };
  const exec = execHandler({ runtime, node, getPod: (ns, name) => informer.get(`${ns}/${name}`), log: log.child({ server: 'exec' }) });
  const logsServer = await serveLogs({ runtime, node, host: config.address, port: config.port, log: log.child({ server: 'logs' }), handlers: { Exec: exec, PortForward: portForwardHandler({ getPod: (ns, name) => informer.get(`${ns}/${name}`), log: log.child({ server: 'portforward' }) }) } });

  const recorder = new EventRecorder(api, { component: 'kubelet', host: node }, log, clock);
  const machine = deps.machine ?? readMachineInfo();
  const allocatable = () => ({ cpu: config.cpu ?? machine.cpu, memory: config.memory ?? String(machine.memoryBytes) });
  // ConfigMaps and Secrets: one watch per object a pod refers to; a change re-syncs those pods.
  const sources = new ConfigSourceManager({ api, clock, log: log.child({ component: 'config-sources' }), onChange: (keys) => keys.forEach((k) => loop.queue.add(k)) });
  const mounter = deps.mounter === undefined ? (process.getuid?.() === 0 ? new LinuxMounter() : undefined) : (deps.mounter ?? undefined);
  const volumes = new VolumeManager({
    rootDir,
    sources,
    allocatable,
    log: log.child({ component: 'volumes' }),
    ...(mounter ? { mounter } : {}),
  });
  const networkFiles = new PodNetworkFiles({ rootDir, clusterDNS: config.clusterDNS, clusterDomain: config.clusterDomain, resolvConf: config.resolvConf });
  const configurator = new ContainerConfigurator({ runtime, sources, volumes, hostIP: config.address, allocatable, events: recorder, log, services, networkFiles });
  const syncer = new PodSyncer({
    runtime,
    api,
    clock,
    log,
    node,
    hostIP: config.address,
    network,
    ensureNetwork,
    onSandboxStarted: () => void nodeNetwork.enableHairpin(),
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
    networkNotReady: () => nodeNetwork.notReadyReason(),
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
      'pod-network': () => nodeNetwork.notReadyReason(),
      runtime: () => agent.runtimeError(),
    },
  });
  deps.onListening?.({ grpc: logsServer.port, http: observability.port });
  log.info({ address: config.address, port: logsServer.port, httpPort: observability.port, apiserver: config.apiserver }, 'kubelet listening');

  // With --pod-cidr the network is made now; otherwise once the Node has a pod CIDR.
  if (config.podCIDR !== undefined) nodeNetwork.ensure().catch(() => {});

  // Everything below stops when `work` aborts: the outer signal.
  services.start(signal);
  nodes.start(signal);
  informer.start(signal);
  const running = [
    agent.run(signal),
    loop.run(signal),
    // Pods that could not start before the Services were listed (their env needs them) go again.
    services.waitForSync(signal).then(enqueueAllPods),
    // The node's iptables rules and routes: on Node changes, and every 30 s. Only from the full
    // list of Nodes, never a partial one (routes of missing nodes would be removed).
    nodes.waitForSync(signal).then(() => {
      hostQueue.add(HOST_KEY);
      return runWorkers({
        queue: hostQueue,
        workers: 1,
        signal,
        log: log.child({ loop: 'host-network' }),
        reconcile: async () => {
          await nodeNetwork.syncHost(nodes.list());
          return { requeueAfterMs: HOST_NETWORK_RESYNC_MS };
        },
      });
    }),
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
