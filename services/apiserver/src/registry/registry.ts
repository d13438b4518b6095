// Every kind's store and watch cache over one Storage, the namespace-existence check namespaced
// creates go through, and the bootstrap namespaces.

import { ApiError, DEFAULT_SERVICE_CLUSTER_IP_RANGE, DEFAULT_SERVICE_NODE_PORT_RANGE, isApiError, type KubeObject, type Namespace, type Pod } from '@skiff/api';
import { silentLogger, type Logger } from '@skiff/component';
import { defaultAdmission, type AdmissionOptions } from '../admission/admission.js';
import type { Storage } from '../storage/storage.js';
import { WatchCache } from '../storage/watch-cache.js';
import { bindPod } from './pod-binding.js';
import { ResourceStore, type NamespaceState } from './resource-store.js';
import { DEFAULT_BOOKMARK_INTERVAL_MS, startWatch, type ActiveWatch, type WatchOptions, type WatchSink } from './resource-watch.js';
import { STRATEGIES } from './strategies/index.js';
import type { StrategyEnv } from './strategy.js';
import { BOOTSTRAP_NAMESPACES } from './strategies/namespace.js';

export { BOOTSTRAP_NAMESPACES };

export interface RegistryOptions {
  log?: Logger;
  now?: () => Date;
  bookmarkIntervalMs?: number;
  /** Delay between bootstrap attempts while storage is unavailable. */
  retryMs?: number;
  /** A fixed watch cache size per kind (tests of 410); default Kubernetes' dynamic 100..102400 events. */
  watchCacheCapacity?: number;
  /** Settings of the admission plugins every create and update goes through (src/admission). */
  admission?: AdmissionOptions;
  /** Where Services' ClusterIPs come from (--service-cluster-ip-range; default 10.96.0.0/12). */
  serviceClusterIPRange?: string;
  /** Where Services' NodePorts come from (--service-node-port-range; default 30000-32767). */
  serviceNodePortRange?: string;
  /** How often the kinds' repairs (WriteHooks.repair) run after the one at bootstrap; default 3 minutes, 0: never again. */
  repairIntervalMs?: number;
}

const DEFAULT_REPAIR_INTERVAL_MS = 180_000;

export class Registry {
  private readonly stores = new Map<string, ResourceStore>();
  private readonly caches = new Map<string, WatchCache>();
  private readonly log: Logger;
  private readonly bookmarkIntervalMs: number;
  private readonly retryMs: number;
  private stopped = false;
  private bootstrapped = false;
  private wake: (() => void) | undefined;
  private readonly repairs: (() => Promise<void>)[] = [];
  private readonly repairIntervalMs: number;
  private repairTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly storage: Storage,
    opts: RegistryOptions = {},
  ) {
    this.log = opts.log ?? silentLogger();
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_INTERVAL_MS;
    this.retryMs = opts.retryMs ?? 1000;
    this.repairIntervalMs = opts.repairIntervalMs ?? DEFAULT_REPAIR_INTERVAL_MS;
    const deps = {
      storage,
      namespaceState: (ns: string) => this.namespaceState(ns),
      admission: defaultAdmission(this, { ...(opts.now ? { now: opts.now } : {}), ...opts.admission }),
      ...(opts.now ? { now: opts.now } : {}),
    };
    const env: StrategyEnv = {
      storage,
      log: this.log,
      serviceClusterIPRange: opts.serviceClusterIPRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE,
      serviceNodePortRange: opts.serviceNodePortRange ?? DEFAULT_SERVICE_NODE_PORT_RANGE,
    };
    for (const [resource, strategy] of STRATEGIES) {
      const hooks = strategy.writeHooks?.(env);
      if (hooks?.repair) this.repairs.push(hooks.repair);
      this.stores.set(resource, new ResourceStore(strategy, deps, hooks));
      const capacity = opts.watchCacheCapacity !== undefined ? { capacity: opts.watchCacheCapacity } : {};
      this.caches.set(resource, new WatchCache(storage, `/registry/${resource}/`, { log: this.log, ...capacity }));
    }
  }

  /** Starts every watch cache (they retry by themselves while storage is down). */
  start(): void {
    for (const cache of this.caches.values()) void cache.start();
  }

  /** Creates the bootstrap namespaces that are missing; retries while storage is unavailable. */
  async bootstrap(): Promise<void> {
    const namespaces = this.store('namespaces');
    for (const name of BOOTSTRAP_NAMESPACES) {
      for (;;) {
        if (this.stopped) return;
        try {
          await namespaces.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
          this.log.info({ namespace: name }, 'created bootstrap namespace');
          break;
        } catch (e) {
          if (isApiError(e, 'AlreadyExists')) break;
          this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'cannot create bootstrap namespaces yet; retrying');
          await new Promise<void>((resolve) => {
            this.wake = resolve;
            setTimeout(resolve, this.retryMs).unref();
          });
        }
      }
    }
    this.bootstrapped = true;
    void this.repairPeriodically();
  }

  /** Runs every kind's repair once (what a crash leaked between reserving and storing). */
  async repair(): Promise<void> {
    for (const repair of this.repairs) {
      try {
        await repair();
      } catch (e) {
        this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'repair failed; it runs again later');
      }
    }
  }

  private async repairPeriodically(): Promise<void> {
    if (this.stopped || this.repairs.length === 0) return;
    await this.repair();
    if (this.stopped || this.repairIntervalMs <= 0) return;
    this.repairTimer = setTimeout(() => void this.repairPeriodically(), this.repairIntervalMs);
    this.repairTimer.unref();
  }

  isBootstrapped(): boolean {
    return this.bootstrapped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    clearTimeout(this.repairTimer);
    await Promise.all([...this.caches.values()].map((c) => c.stop()));
  }

  /** The store of a resource ("pods", "po", "Pod", "replicasets.apps"); NotFound for unknown ones. */
  store(resource: string): ResourceStore {
    const wanted = resource.toLowerCase().split('.')[0] ?? '';
    const found =
      this.stores.get(wanted) ??
      [...this.stores.values()].find((s) => s.info.singular === wanted || s.info.kind.toLowerCase() === wanted || s.info.shortNames.includes(wanted));
    if (!found) throw unknownResource(resource);
    return found;
  }

  async watch(resource: string, opts: WatchOptions, sink: WatchSink): Promise<ActiveWatch> {
    const store = this.store(resource);
    const cache = this.caches.get(store.info.resource);
    if (!cache) throw unknownResource(resource);
    return startWatch(store, cache, opts, sink, this.bookmarkIntervalMs);
  }

  bind(namespace: string, name: string, body: unknown): Promise<Pod> {
    return bindPod(this.store('pods'), namespace, name, body);
  }

  private async namespaceState(ns: string): Promise<NamespaceState> {
    let obj: KubeObject;
    try {
      obj = await this.store('namespaces').get('', ns);
    } catch (e) {
      if (isApiError(e, 'NotFound')) return 'missing';
      throw e;
    }
    const phase = (obj as Namespace).status?.phase;
    return obj.metadata.deletionTimestamp || phase === 'Terminating' ? 'terminating' : 'active';
  }
}

export function unknownResource(resource: string): ApiError {
  return new ApiError('NotFound', `the server doesn't have a resource type "${resource}"`);
}
