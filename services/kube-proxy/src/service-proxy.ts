// The proxy's control loop, after Kubernetes' iptables Proxier minus the rule writing
// (pkg/proxy/iptables/proxier.go: OnServiceAdd/Update/Delete, OnEndpointSlice*, OnNode*,
// syncProxyRules' bookkeeping): informer events go to the change trackers, and a change that
// matters asks the SyncRunner for a sync; nothing is synced before Services, EndpointSlices and
// (when node addresses come from Nodes) Nodes have been listed, so a restarted proxy never
// programs a partial view. Each sync folds the pending changes into the service and endpoint
// maps and hands the snapshot to the proxier (iptables or userspace).

import { isDeepStrictEqual } from 'node:util';
import type { EndpointSlice, Service } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { Clock } from '@skiff/machinery';
import { EndpointsChangeTracker, ServiceChangeTracker, type EndpointsMap } from './change-tracker.js';
import type { ProxyMetrics } from './metrics.js';
import type { Proxier, SyncStats } from './proxier.js';
import type { ServicePortInfo } from './service-port.js';
import { SyncRunner } from './sync-runner.js';

export interface ServiceProxyOptions {
  proxier: Proxier;
  /** Where NodePorts answer now (from a flag, or computed from the Node cache). */
  nodeAddresses: () => string[];
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  clock: Clock;
  log: Logger;
  metrics?: ProxyMetrics | undefined;
  onSync?: ((stats: SyncStats, durationMs: number) => void) | undefined;
}

export class ServiceProxy {
  readonly services = new Map<string, ServicePortInfo>();
  readonly endpoints: EndpointsMap = new Map();
  private readonly serviceChanges: ServiceChangeTracker;
  private readonly endpointChanges = new EndpointsChangeTracker();
  private readonly runner: SyncRunner;
  private nodeAddresses: string[] = [];
  private initialized = false;
  /** Clock times for /healthz (Kubernetes' ProxyHealthServer): last queued update, last successful sync. */
  lastQueued = 0;
  lastUpdated = 0;
  syncs = 0;

  constructor(private readonly opts: ServiceProxyOptions) {
    const warned = new Set<string>();
    this.serviceChanges = new ServiceChangeTracker((port, why) => {
      if (warned.has(port)) return;
      warned.add(port);
      opts.log.warn({ servicePort: port }, why);
    });
    this.runner = new SyncRunner({
      fn: () => this.syncProxyRules(),
      minIntervalMs: opts.minSyncPeriodMs,
      maxIntervalMs: opts.syncPeriodMs,
      clock: opts.clock,
      onError: (e, retryInMs) => {
        opts.metrics?.syncFailures.inc();
        opts.log.error({ err: e, retryInMs }, 'sync failed');
      },
    });
  }

  private queue(): void {
    this.lastQueued = this.opts.clock.now();
    this.opts.metrics?.lastQueuedTimestamp.set(this.lastQueued / 1000);
    this.runner.run();
  }

  onServiceUpdate(previous: Readonly<Service> | undefined, current: Readonly<Service> | undefined): void {
    this.opts.metrics?.serviceChanges.inc();
    const pending = this.serviceChanges.update(previous, current);
    this.opts.metrics?.serviceChangesPending.set(this.serviceChanges.pending());
    if (pending && this.initialized) this.queue();
  }

  onEndpointSliceUpdate(slice: Readonly<EndpointSlice>, removed: boolean): void {
    this.opts.metrics?.endpointChanges.inc();
    const pending = this.endpointChanges.update(slice, removed);
    this.opts.metrics?.endpointChangesPending.set(this.endpointChanges.pending());
    if (pending && this.initialized) this.queue();
  }

  /** Node addresses may have changed: a sync when they did. */
  onNodesChanged(): void {
    if (!this.initialized) return;
    if (!isDeepStrictEqual(this.opts.nodeAddresses(), this.nodeAddresses)) this.queue();
  }

  /** Everything is listed: start syncing (the first sync runs at once). */
  start(): void {
    this.initialized = true;
    this.lastQueued = this.opts.clock.now();
    this.runner.start();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }

  isInitialized(): boolean {
    return this.initialized;
  }

  /** Asks for a sync now (tests and benchmarks). */
  requestSync(): void {
    this.queue();
  }

  private async syncProxyRules(): Promise<void> {
    const { clock, metrics, proxier, log } = this.opts;
    const start = clock.now();
    const serviceChanges = this.serviceChanges.apply(this.services);
    const endpointChanges = this.endpointChanges.apply(this.endpoints);
    metrics?.serviceChangesPending.set(0);
    metrics?.endpointChangesPending.set(0);
    const nodeAddresses = this.opts.nodeAddresses();
    if (!isDeepStrictEqual(nodeAddresses, this.nodeAddresses)) log.info({ nodeAddresses }, 'node addresses');
    this.nodeAddresses = nodeAddresses;
    const stats = await proxier.sync({ services: this.services, endpoints: this.endpoints, nodeAddresses, serviceChanges, endpointChanges });
    const now = clock.now();
    const seconds = (now - start) / 1000;
    metrics?.syncDuration.observe(seconds);
    if (stats.full === false) metrics?.syncPartialDuration.observe(seconds);
    else metrics?.syncFullDuration.observe(seconds);
    metrics?.lastTimestamp.set(now / 1000);
    metrics?.servicePorts.set(stats.servicePorts);
    metrics?.endpoints.set(stats.endpoints);
    this.lastUpdated = now;
    this.syncs++;
    log.debug({ ms: now - start, ...stats, services: serviceChanges.updatedServices.size, endpointServices: endpointChanges.updatedServices.size }, 'synced proxy rules');
    this.opts.onSync?.(stats, now - start);
  }

  /** Kubernetes' healthz: fine unless an update has been waiting for longer than `timeoutMs`. */
  healthProblem(timeoutMs: number): string | undefined {
    if (!this.initialized || this.lastQueued <= this.lastUpdated) return undefined;
    const waiting = this.opts.clock.now() - this.lastQueued;
    return waiting > timeoutMs ? `an update queued ${Math.round(waiting / 1000)}s ago has not been synced` : undefined;
  }
}
