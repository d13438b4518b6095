// The kube-proxy component: informers on Services, EndpointSlices and (for the default node
// addresses) Nodes; the control loop (service-proxy.ts) driving the iptables or userspace
// proxier; /metrics, /healthz, /readyz. Resolves once the signal aborts and the sync in progress
// has finished. Rules and addresses stay programmed when it stops (traffic keeps flowing across a
// restart, as in Kubernetes); `cleanup()` (--cleanup) removes them.

import type { EndpointSlice, Node, Service } from '@skiff/api';
import { ApiClient, type ApiInterface } from '@skiff/client';
import { aborted, createLogger, newRegistry, serveObservability, type Logger } from '@skiff/component';
import { Informer, RealClock, type Clock } from '@skiff/machinery';
import type { Registry } from 'prom-client';
import { cleanupAddresses, cleanupIptables, cleanupLeftovers, type CleanupReport } from './cleanup.js';
import { validateConfig, type KubeProxyConfig } from './config.js';
import { ExecConntrack, type Conntrack } from './host/conntrack.js';
import { defaultNodeAddresses, hostAddresses } from './host/local-addresses.js';
import { ProcSysctl, type Sysctl } from './host/sysctl.js';
import { ChainNames } from './iptables/chain-names.js';
import { ExecIptables, iptablesAvailable, type Iptables } from './iptables/iptables.js';
import { IptablesProxier } from './iptables/iptables-proxier.js';
import { ProxyMetrics } from './metrics.js';
import type { Proxier, SyncStats } from './proxier.js';
import { ServiceProxy } from './service-proxy.js';
import { IpAddressProgrammer, type AddressProgrammer } from './userspace/address-programmer.js';
import { UserspaceProxier } from './userspace/userspace-proxier.js';

export type { KubeProxyConfig } from './config.js';

export interface KubeProxyDeps {
  client?: ApiInterface;
  log?: Logger;
  registry?: Registry;
  clock?: Clock;
  iptables?: Iptables;
  conntrack?: Conntrack;
  sysctl?: Sysctl;
  addresses?: AddressProgrammer;
  /** This host's addresses (default: its interfaces' IPv4 addresses). */
  localAddresses?: () => ReadonlySet<string>;
  onListening?: (httpPort: number) => void;
  /** Called after every successful sync (tests, benchmarks). */
  onSync?: (stats: SyncStats, durationMs: number) => void;
  /** Receives the control loop once built (tests, benchmarks). */
  onProxy?: (proxy: ServiceProxy, proxier: Proxier) => void;
}

/** Kubernetes filters these out of the proxy's informers (cmd/kube-proxy/app/server.go). */
const NOT_FOR_THIS_PROXY = '!service.kubernetes.io/service-proxy-name';
const NOT_HEADLESS = '!service.kubernetes.io/headless';

export async function run(signal: AbortSignal, config: KubeProxyConfig, deps: KubeProxyDeps = {}): Promise<void> {
  validateConfig(config);
  const log = deps.log ?? createLogger('kube-proxy');
  const ownClient = deps.client ? undefined : new ApiClient({ server: config.apiserver });
  const client: ApiInterface = deps.client ?? (ownClient as ApiClient);
  const registry = deps.registry ?? newRegistry();
  const clock = deps.clock ?? new RealClock();
  const metrics = new ProxyMetrics(registry);
  const names = new ChainNames(config.chainPrefix);
  const addresses = deps.addresses ?? new IpAddressProgrammer(config.chainPrefix);

  let iptables = deps.iptables;
  if (!iptables && (await iptablesAvailable())) iptables = new ExecIptables();
  if (config.proxyMode === 'iptables' && !iptables) {
    throw new Error('iptables mode needs iptables-save and iptables-restore (and root); use --proxy-mode userspace on this host');
  }

  // The other mode's leftovers (a proxy that switched modes), as Kubernetes cleans up on start.
  let proxier: Proxier;
  if (config.proxyMode === 'iptables') {
    try {
      await cleanupAddresses(addresses, log);
    } catch (e) {
      log.warn({ err: e }, 'could not remove service addresses of this prefix from lo');
    }
    proxier = new IptablesProxier({
      iptables: iptables as Iptables,
      conntrack: deps.conntrack ?? new ExecConntrack(),
      sysctl: deps.sysctl ?? new ProcSysctl(),
      names,
      clusterCidr: config.clusterCidr,
      masqueradeAll: config.masqueradeAll,
      masqueradeBit: config.masqueradeBit,
      log,
      metrics,
      fullSyncPeriodMs: config.syncPeriodMs,
      clock,
    });
  } else {
    if (iptables) {
      try {
        await cleanupIptables(names, iptables, log);
      } catch (e) {
        log.warn({ err: e }, 'could not remove iptables leftovers of this prefix');
      }
    }
    proxier = new UserspaceProxier({ addresses, clock, log, udpIdleTimeoutMs: config.udpIdleTimeoutMs });
  }

  const services = new Informer<Service>(client, 'services', { labelSelector: NOT_FOR_THIS_PROXY, log: log.child({ informer: 'services' }), clock });
  const slices = new Informer<EndpointSlice>(client, 'endpointslices', {
    labelSelector: `${NOT_FOR_THIS_PROXY},${NOT_HEADLESS}`,
    log: log.child({ informer: 'endpointslices' }),
    clock,
  });
  const nodes = config.nodeAddresses === undefined ? new Informer<Node>(client, 'nodes', { log: log.child({ informer: 'nodes' }), clock }) : undefined;
  const localAddresses = deps.localAddresses ?? hostAddresses;
  const nodeAddresses = (): string[] => config.nodeAddresses ?? defaultNodeAddresses(nodes?.list() ?? [], localAddresses(), config.hostname);

  const proxy = new ServiceProxy({
    proxier,
    nodeAddresses,
    minSyncPeriodMs: config.minSyncPeriodMs,
    syncPeriodMs: config.syncPeriodMs,
    clock,
    log,
    metrics,
    onSync: deps.onSync,
  });
  deps.onProxy?.(proxy, proxier);
  services.on({
    add: (s) => proxy.onServiceUpdate(undefined, s),
    update: (o, s) => proxy.onServiceUpdate(o, s),
    delete: (s) => proxy.onServiceUpdate(s, undefined),
  });
  slices.on({
    add: (s) => proxy.onEndpointSliceUpdate(s, false),
    update: (_o, s) => proxy.onEndpointSliceUpdate(s, false),
    delete: (s) => proxy.onEndpointSliceUpdate(s, true),
  });
  nodes?.on({ add: () => proxy.onNodesChanged(), update: () => proxy.onNodesChanged(), delete: () => proxy.onNodesChanged() });

  const informers = [services, slices, ...(nodes ? [nodes] : [])];
  const server = await serveObservability({
    host: config.bindAddress,
    port: config.httpPort,
    registry,
    healthz: { proxy: () => proxy.healthProblem(2 * config.syncPeriodMs) },
    readyz: {
      informers: () => (informers.every((i) => i.hasSynced()) ? undefined : 'service, endpointslice and node caches not synced yet'),
      synced: () => (proxy.syncs > 0 ? undefined : 'no successful sync yet'),
    },
  });
  log.info(
    { apiserver: config.apiserver, mode: config.proxyMode, prefix: config.chainPrefix, nodeAddresses: config.nodeAddresses ?? 'from local Nodes', http: `${config.bindAddress}:${server.port}` },
    'kube-proxy listening',
  );
  deps.onListening?.(server.port);

  try {
    for (const i of informers) i.start(signal);
    await Promise.all(informers.map((i) => i.waitForSync(signal)));
    if (!signal.aborted) {
      proxy.start();
      await aborted(signal);
    }
  } finally {
    await proxy.stop();
    await proxier.shutdown();
    await server.close();
    ownClient?.close();
  }
}

/** `--cleanup`: removes every chain, jump rule and lo address of the configured prefix. */
export async function cleanup(config: Pick<KubeProxyConfig, 'chainPrefix'>, deps: Pick<KubeProxyDeps, 'iptables' | 'addresses' | 'log'> = {}): Promise<CleanupReport> {
  const log = deps.log ?? createLogger('kube-proxy');
  const names = new ChainNames(config.chainPrefix);
  let iptables = deps.iptables;
  if (!iptables) {
    if (await iptablesAvailable()) iptables = new ExecIptables();
    else log.info('iptables is not available here: only the service addresses on lo are cleaned up');
  }
  return cleanupLeftovers({ names, iptables, addresses: deps.addresses ?? new IpAddressProgrammer(config.chainPrefix), log });
}
