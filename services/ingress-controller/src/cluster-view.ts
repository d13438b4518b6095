// What the proxy and the status syncer read: informer caches of Ingresses, IngressClasses,
// Services and EndpointSlices, the Ingresses this controller serves, the routing table built from
// them (rebuilt lazily after any Ingress or IngressClass change) and backend resolutions (cached
// until any Service or EndpointSlice changes).

import { LABEL_SERVICE_NAME, type EndpointSlice, type Ingress, type IngressClass, type Service } from '@skiff/api';
import type { Informer } from '@skiff/machinery';
import { resolveEndpoints, backendPortLabel, type Resolution } from './endpoints.js';
import { servedByUs, type ClassSelection } from './ingress-class.js';
import { buildRoutingTable, type RoutingTable, type ServiceBackend } from './router.js';

export const SLICES_BY_SERVICE = 'service';

export interface ClusterInformers {
  ingresses: Informer<Ingress>;
  ingressClasses: Informer<IngressClass>;
  services: Informer<Service>;
  endpointSlices: Informer<EndpointSlice>;
}

/** `namespace/name` of the Service an EndpointSlice belongs to. */
export function sliceService(slice: Readonly<EndpointSlice>): string[] {
  const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  return svc ? [`${slice.metadata.namespace ?? ''}/${svc}`] : [];
}

export class ClusterView {
  private table: RoutingTable | undefined;
  private served: Readonly<Ingress>[] = [];
  private readonly resolutions = new Map<string, Resolution>();
  private readonly tableListeners: ((table: RoutingTable) => void)[] = [];

  constructor(
    readonly informers: ClusterInformers,
    private readonly selection: ClassSelection,
  ) {
    informers.endpointSlices.addIndex(SLICES_BY_SERVICE, sliceService);
    const invalidateTable = { add: () => this.invalidateTable(), update: () => this.invalidateTable(), delete: () => this.invalidateTable() };
    informers.ingresses.on(invalidateTable);
    informers.ingressClasses.on(invalidateTable);
    const invalidateBackends = { add: () => this.resolutions.clear(), update: () => this.resolutions.clear(), delete: () => this.resolutions.clear() };
    informers.services.on(invalidateBackends);
    informers.endpointSlices.on(invalidateBackends);
  }

  hasSynced(): boolean {
    const { ingresses, ingressClasses, services, endpointSlices } = this.informers;
    return ingresses.hasSynced() && ingressClasses.hasSynced() && services.hasSynced() && endpointSlices.hasSynced();
  }

  /** Called with each new table once it is built (for logging conflicts). */
  onTable(fn: (table: RoutingTable) => void): void {
    this.tableListeners.push(fn);
  }

  isServed(ing: Readonly<Ingress>): boolean {
    return servedByUs(ing, this.informers.ingressClasses.list(), this.selection);
  }

  routes(): RoutingTable {
    if (!this.table) {
      this.served = this.informers.ingresses.list().filter((ing) => this.isServed(ing) && !ing.metadata.deletionTimestamp);
      const table = buildRoutingTable(this.served);
      this.table = table;
      for (const fn of this.tableListeners) fn(table);
    }
    return this.table;
  }

  servedIngresses(): readonly Readonly<Ingress>[] {
    this.routes();
    return this.served;
  }

  resolve(backend: ServiceBackend): Resolution {
    const key = `${backend.namespace}/${backend.name}`;
    const cacheKey = `${key}:${backendPortLabel(backend.port)}`;
    let r = this.resolutions.get(cacheKey);
    if (!r) {
      const svc = this.informers.services.get(key);
      r = resolveEndpoints(svc, this.informers.endpointSlices.byIndex(SLICES_BY_SERVICE, key), backend.port, key);
      this.resolutions.set(cacheKey, r);
    }
    return r;
  }

  private invalidateTable(): void {
    this.table = undefined;
  }
}
