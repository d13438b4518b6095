// How EndpointSlice contents are compared, shared by the EndpointSlice and mirroring controllers,
// after Kubernetes' staging/src/k8s.io/endpointslice/util/endpointset.go (an endpoint's identity
// is its addresses, hostname and target), controller_utils.go (EndpointsEqualBeyondHash,
// NewPortMapKey) and reconciler.go's ownedBy / endpointSliceEndpointLen.

import { ipToInt, isIPv4, LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, type Endpoint, type EndpointSlice } from '@skiff/api';

export type SlicePort = NonNullable<EndpointSlice['ports']>[number];

/** The identity of an endpoint within a port set: its addresses, hostname and target pod. */
export function endpointKey(ep: Readonly<Endpoint>): string {
  return JSON.stringify([[...ep.addresses].sort(), ep.hostname ?? '', ep.targetRef?.namespace ?? '', ep.targetRef?.name ?? '']);
}

const sameBool = (a: boolean | undefined, b: boolean | undefined): boolean => a === b;

/** EndpointsEqualBeyondHash: node, zone, conditions and target (its resourceVersion aside). */
export function endpointsEqualBeyondHash(a: Readonly<Endpoint>, b: Readonly<Endpoint>): boolean {
  const ref = (e: Readonly<Endpoint>): string => JSON.stringify([e.targetRef?.kind ?? '', e.targetRef?.namespace ?? '', e.targetRef?.name ?? '', e.targetRef?.uid ?? '']);
  return (
    (a.nodeName ?? '') === (b.nodeName ?? '') &&
    (a.zone ?? '') === (b.zone ?? '') &&
    sameBool(a.conditions?.ready, b.conditions?.ready) &&
    sameBool(a.conditions?.serving, b.conditions?.serving) &&
    sameBool(a.conditions?.terminating, b.conditions?.terminating) &&
    ref(a) === ref(b)
  );
}

/** A port set's key (NewPortMapKey): the same ports in any order give the same key. */
export function portMapKey(ports: readonly Readonly<SlicePort>[] | undefined): string {
  return (ports ?? [])
    .map((p) => `${p.name ?? ''}/${p.port ?? ''}/${p.protocol ?? 'TCP'}/${p.appProtocol ?? ''}`)
    .sort()
    .join(',');
}

/** Orders endpoints by their first address (numerically), so slices fill in a predictable order. */
export function compareEndpoints(a: Readonly<Endpoint>, b: Readonly<Endpoint>): number {
  const ip = (e: Readonly<Endpoint>): number => (e.addresses[0] && isIPv4(e.addresses[0]) ? ipToInt(e.addresses[0]) : 0);
  return ip(a) - ip(b) || endpointKey(a).localeCompare(endpointKey(b));
}

/** Desired endpoints of one port set, by identity; `pop` hands them out lowest address first. */
export class EndpointSet {
  private readonly items = new Map<string, Endpoint>();
  private sorted: Endpoint[] | undefined;

  insert(ep: Endpoint): void {
    this.items.set(endpointKey(ep), ep);
    this.sorted = undefined;
  }

  get(ep: Readonly<Endpoint>): Endpoint | undefined {
    return this.items.get(endpointKey(ep));
  }

  delete(ep: Readonly<Endpoint>): void {
    if (this.items.delete(endpointKey(ep))) this.sorted = undefined;
  }

  get size(): number {
    return this.items.size;
  }

  pop(): Endpoint | undefined {
    this.sorted ??= [...this.items.values()].sort(compareEndpoints);
    const ep = this.sorted.shift();
    if (ep) this.items.delete(endpointKey(ep));
    return ep;
  }
}

/** The `namespace/service` an EndpointSlice belongs to, from its kubernetes.io/service-name label. */
export function sliceServiceKey(slice: Readonly<EndpointSlice>): string | undefined {
  const svc = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  return svc ? `${slice.metadata.namespace ?? ''}/${svc}` : undefined;
}

export function managedBy(slice: Readonly<EndpointSlice>): string | undefined {
  return slice.metadata.labels?.[LABEL_ENDPOINTSLICE_MANAGED_BY];
}

/** Index function: slices by `namespace/service`. */
export const byServiceIndex = (slice: Readonly<EndpointSlice>): string[] => {
  const key = sliceServiceKey(slice);
  return key ? [key] : [];
};
export const SERVICE_INDEX = 'serviceName';

/**
 * finalize's recycling: while there are slices to create and to delete, the last slice to create
 * takes the name (and resourceVersion) of a slice to delete that `reusable` allows, and becomes an
 * update, so churn is one write instead of two.
 */
export function recycleSlices(
  plan: { create: EndpointSlice[]; update: EndpointSlice[]; delete: EndpointSlice[] },
  reusable: (old: Readonly<EndpointSlice>, next: Readonly<EndpointSlice>) => boolean,
): void {
  for (let i = 0; i < plan.delete.length && plan.create.length > 0; ) {
    const old = plan.delete[i] as EndpointSlice;
    const next = plan.create[plan.create.length - 1] as EndpointSlice;
    if (!reusable(old, next)) {
      i++;
      continue;
    }
    plan.create.pop();
    const { generateName: _g, ...meta } = next.metadata;
    next.metadata = { ...meta, name: old.metadata.name ?? '' };
    if (old.metadata.resourceVersion) next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (old.metadata.uid) next.metadata.uid = old.metadata.uid;
    plan.update.push(next);
    plan.delete.splice(i, 1);
  }
}
