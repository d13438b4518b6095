// Pending changes between two syncs, after Kubernetes' pkg/proxy/servicechangetracker.go and
// endpointschangetracker.go: for each Service, the state before the first unsynced change
// (`previous`) and after the last (`current`); a change that returns to where it started is
// dropped, so `update` tells the caller whether a sync is needed at all. `apply` folds the pending
// changes into the maps the proxier reads and reports what changed (for partial work and for
// flushing UDP conntrack entries).

import { isDeepStrictEqual } from 'node:util';
import type { EndpointSlice, Service } from '@skiff/api';
import { endpointsOfService, endpointString, serviceOfSlice, type EndpointInfo } from './endpoints.js';
import { serviceKeyOf, servicePortsOf, type ServicePortInfo } from './service-port.js';

interface Change<V> {
  previous: Map<string, V>;
  current: Map<string, V>;
}

export interface ServiceUpdateResult {
  /** `namespace/name` of every Service added, changed or deleted since the last apply. */
  updatedServices: Set<string>;
  /** ClusterIPs that had UDP ports which are gone (their conntrack entries are stale). */
  deletedUDPClusterIPs: Set<string>;
}

export class ServiceChangeTracker {
  private readonly items = new Map<string, Change<ServicePortInfo>>();

  constructor(private readonly onSkippedPort?: (port: string, why: string) => void) {}

  /** Records add (undefined, svc), update (old, svc) or delete (svc, undefined); true when changes are pending. */
  update(previous: Readonly<Service> | undefined, current: Readonly<Service> | undefined): boolean {
    const svc = current ?? previous;
    if (!svc) return this.items.size > 0;
    const key = serviceKeyOf(svc);
    let change = this.items.get(key);
    if (!change) {
      change = { previous: servicePortsOf(previous), current: new Map() };
      this.items.set(key, change);
    }
    change.current = servicePortsOf(current, this.onSkippedPort);
    if (isDeepStrictEqual(change.previous, change.current)) this.items.delete(key);
    return this.items.size > 0;
  }

  pending(): number {
    return this.items.size;
  }

  /** Folds the pending changes into `map` (service port key → info) and clears them. */
  apply(map: Map<string, ServicePortInfo>): ServiceUpdateResult {
    const result: ServiceUpdateResult = { updatedServices: new Set(), deletedUDPClusterIPs: new Set() };
    for (const [svc, change] of this.items) {
      result.updatedServices.add(svc);
      for (const [key, info] of change.previous) {
        if (change.current.has(key)) continue;
        map.delete(key);
        if (info.protocol === 'UDP') result.deletedUDPClusterIPs.add(info.clusterIP);
      }
      for (const [key, info] of change.current) map.set(key, info);
    }
    // A ClusterIP still serving UDP on another port is not stale.
    for (const info of map.values()) if (info.protocol === 'UDP') result.deletedUDPClusterIPs.delete(info.clusterIP);
    this.items.clear();
    return result;
  }
}

export interface StaleEndpoint {
  servicePort: string;
  endpoint: EndpointInfo;
}

export interface EndpointsUpdateResult {
  updatedServices: Set<string>;
  /** UDP endpoints that went away: their conntrack entries must be flushed. */
  deletedUDPEndpoints: StaleEndpoint[];
  /** UDP service ports that went from no endpoint to some (stale "black hole" entries may exist). */
  newlyActiveUDPServices: string[];
}

/** Endpoints keyed by service port key: the ready endpoints of that port. */
export type EndpointsMap = Map<string, EndpointInfo[]>;

export class EndpointsChangeTracker {
  /** The latest slices seen, by Service. */
  private readonly slices = new Map<string, Map<string, Readonly<EndpointSlice>>>();
  private readonly sliceService = new Map<string, string>();
  /** The endpoints of each Service as of the last apply. */
  private readonly applied = new Map<string, Map<string, EndpointInfo[]>>();
  private readonly items = new Map<string, Change<EndpointInfo[]>>();

  /** Records a slice added or updated (removed=false) or deleted (removed=true); true when changes are pending. */
  update(slice: Readonly<EndpointSlice>, removed: boolean): boolean {
    const sliceKey = `${slice.metadata.namespace ?? ''}/${slice.metadata.name}`;
    const svc = removed ? undefined : serviceOfSlice(slice);
    const before = this.sliceService.get(sliceKey);
    if (before !== undefined && before !== svc) {
      this.slices.get(before)?.delete(sliceKey);
      this.sliceService.delete(sliceKey);
      this.recompute(before);
    }
    if (svc !== undefined) {
      let set = this.slices.get(svc);
      if (!set) this.slices.set(svc, (set = new Map()));
      set.set(sliceKey, slice);
      this.sliceService.set(sliceKey, svc);
      this.recompute(svc);
    }
    return this.items.size > 0;
  }

  pending(): number {
    return this.items.size;
  }

  private recompute(svc: string): void {
    const set = this.slices.get(svc);
    if (set && set.size === 0) this.slices.delete(svc);
    let change = this.items.get(svc);
    if (!change) {
      change = { previous: this.applied.get(svc) ?? new Map(), current: new Map() };
      this.items.set(svc, change);
    }
    change.current = endpointsOfService(svc, set?.values() ?? []);
    if (isDeepStrictEqual(change.previous, change.current)) this.items.delete(svc);
  }

  /** Folds the pending changes into `map` and clears them. */
  apply(map: EndpointsMap): EndpointsUpdateResult {
    const result: EndpointsUpdateResult = { updatedServices: new Set(), deletedUDPEndpoints: [], newlyActiveUDPServices: [] };
    for (const [svc, change] of this.items) {
      result.updatedServices.add(svc);
      for (const [key, eps] of change.previous) {
        const now = change.current.get(key) ?? [];
        if (!change.current.has(key)) map.delete(key);
        if (!key.endsWith('/UDP')) continue;
        const kept = new Set(now.map(endpointString));
        for (const ep of eps) if (!kept.has(endpointString(ep))) result.deletedUDPEndpoints.push({ servicePort: key, endpoint: ep });
      }
      for (const [key, eps] of change.current) {
        map.set(key, eps);
        if (key.endsWith('/UDP') && (change.previous.get(key)?.length ?? 0) === 0) result.newlyActiveUDPServices.push(key);
      }
      if (change.current.size > 0) this.applied.set(svc, change.current);
      else this.applied.delete(svc);
    }
    this.items.clear();
    return result;
  }
}
