// The EndpointSlices mirroring an Endpoints object, after Kubernetes'
// pkg/controller/endpointslicemirroring/reconciler.go (reconcile, reconcileByPortMapping,
// totalChanges) and utils.go (newEndpointSlice, addressToEndpoint, epPortsToEpsPorts). Pure.
//
// Subsets with the same ports share one slice; each subset gives at most
// `maxEndpointsPerSubset` addresses (ready ones first), so one slice per port set suffices: the
// first existing slice of a port set is updated in place, any others deleted.

import { clone, isIPv4, LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, type Endpoint, type EndpointAddress, type EndpointPort, type Endpoints, type EndpointSlice } from '@skiff/api';
import { isDeepStrictEqual } from 'node:util';
import { EndpointSet, endpointsEqualBeyondHash, portMapKey, recycleSlices, type SlicePort } from '../endpointslice/endpoint-set.js';

export const MIRRORING_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const DEFAULT_MAX_ENDPOINTS_PER_SUBSET = 1000;
/** Endpoints labelled so are not mirrored. */
export const LABEL_SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';
/** The annotation of Endpoints used as leader-election locks (never mirrored). */
export const ANNOTATION_LEADER = 'control-plane.alpha.kubernetes.io/leader';
/** Annotations not copied onto the slices. */
const UNMIRRORED_ANNOTATIONS = ['endpoints.kubernetes.io/last-change-trigger-time', 'kubectl.kubernetes.io/last-applied-configuration'];

export interface MirrorPlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  /** Addresses that are not IPv4 addresses (Skiff's network is IPv4). */
  invalidAddresses: number;
  /** Addresses beyond `maxEndpointsPerSubset` in a subset. */
  skippedAddresses: number;
}

/** Whether the controller mirrors these Endpoints at all (skip-mirror label, leader-election lock). */
export function shouldMirror(ep: Readonly<Endpoints>): boolean {
  return ep.metadata.labels?.[LABEL_SKIP_MIRROR] !== 'true' && ep.metadata.annotations?.[ANNOTATION_LEADER] === undefined;
}

/** addressToEndpoint: one address, its readiness, node, hostname and target. */
export function addressToEndpoint(address: Readonly<EndpointAddress>, ready: boolean): Endpoint | undefined {
  if (!isIPv4(address.ip)) return undefined;
  const ep: Endpoint = { addresses: [address.ip], conditions: { ready } };
  if (address.targetRef) ep.targetRef = clone(address.targetRef);
  if (address.nodeName) ep.nodeName = address.nodeName;
  if (address.hostname) ep.hostname = address.hostname;
  return ep;
}

/** epPortsToEpsPorts. */
export function slicePorts(ports: readonly Readonly<EndpointPort>[] | undefined): SlicePort[] {
  return (ports ?? []).map((p) => {
    const out: SlicePort = { name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' };
    if (p.appProtocol) out.appProtocol = p.appProtocol;
    return out;
  });
}

/** The labels of a mirrored slice: the Endpoints' own, the service name and this controller. */
export function mirrorLabels(ep: Readonly<Endpoints>): Record<string, string> {
  return { ...ep.metadata.labels, [LABEL_SERVICE_NAME]: ep.metadata.name ?? '', [LABEL_ENDPOINTSLICE_MANAGED_BY]: MIRRORING_CONTROLLER_NAME };
}

export function mirrorAnnotations(ep: Readonly<Endpoints>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ep.metadata.annotations ?? {})) if (!UNMIRRORED_ANNOTATIONS.includes(k)) out[k] = v;
  return out;
}

/** newEndpointSlice: controlled by the Endpoints; generateName `<name>-` unless it reuses `name`. */
function newMirrorSlice(ep: Readonly<Endpoints>, ports: readonly SlicePort[], existing: Readonly<EndpointSlice> | undefined): EndpointSlice {
  const metadata: EndpointSlice['metadata'] = {
    namespace: ep.metadata.namespace ?? '',
    labels: mirrorLabels(ep),
    ownerReferences: [{ apiVersion: 'v1', kind: 'Endpoints', name: ep.metadata.name ?? '', uid: ep.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
  };
  const annotations = mirrorAnnotations(ep);
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  if (existing) {
    metadata.name = existing.metadata.name ?? '';
    if (existing.metadata.resourceVersion) metadata.resourceVersion = existing.metadata.resourceVersion;
    if (existing.metadata.uid) metadata.uid = existing.metadata.uid;
  } else {
    metadata.generateName = `${ep.metadata.name ?? ''}-`;
  }
  return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata, addressType: 'IPv4', endpoints: [], ports: [...ports] };
}

/** Whether the slice holds exactly the desired endpoints (totalChanges all zero). */
function sameEndpoints(slice: Readonly<EndpointSlice>, desired: EndpointSet): boolean {
  let matches = 0;
  for (const ep of slice.endpoints ?? []) {
    const want = desired.get(ep);
    if (!want || !endpointsEqualBeyondHash(want, ep)) return false;
    matches++;
  }
  return matches === desired.size && matches === (slice.endpoints ?? []).length;
}

/** Whether the slice carries the Endpoints' labels and annotations (reserved ones as they must be). */
function sameMeta(slice: Readonly<EndpointSlice>, ep: Readonly<Endpoints>): boolean {
  return isDeepStrictEqual({ ...slice.metadata.labels }, mirrorLabels(ep)) && isDeepStrictEqual({ ...slice.metadata.annotations }, mirrorAnnotations(ep));
}

/** What to write so the slices managed for `ep` mirror it. */
export function planMirror(ep: Readonly<Endpoints>, existing: readonly Readonly<EndpointSlice>[], maxEndpointsPerSubset: number): MirrorPlan {
  const plan: MirrorPlan = { create: [], update: [], delete: [], invalidAddresses: 0, skippedAddresses: 0 };
  const desired = new Map<string, { ports: SlicePort[]; set: EndpointSet }>();
  for (const subset of ep.subsets ?? []) {
    const ports = slicePorts(subset.ports);
    const k = portMapKey(ports);
    let group = desired.get(k);
    if (!group) desired.set(k, (group = { ports, set: new EndpointSet() }));
    const all: [Readonly<EndpointAddress>, boolean][] = [...(subset.addresses ?? []).map((a): [EndpointAddress, boolean] => [a, true]), ...(subset.notReadyAddresses ?? []).map((a): [EndpointAddress, boolean] => [a, false])];
    let added = 0;
    for (const [address, ready] of all) {
      if (added >= maxEndpointsPerSubset) break;
      const endpoint = addressToEndpoint(address, ready);
      if (!endpoint) {
        plan.invalidAddresses++;
        continue;
      }
      group.set.insert(endpoint);
      added++;
    }
    plan.skippedAddresses += all.length - added;
  }
  plan.skippedAddresses -= plan.invalidAddresses;

  const existingByPorts = new Map<string, Readonly<EndpointSlice>[]>();
  for (const slice of [...existing].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    const k = portMapKey(slice.ports);
    existingByPorts.set(k, [...(existingByPorts.get(k) ?? []), slice]);
  }
  for (const [k, { ports, set }] of desired) {
    const slices = existingByPorts.get(k) ?? [];
    if (set.size === 0) {
      plan.delete.push(...slices.map((s) => clone(s) as EndpointSlice));
      continue;
    }
    const [first, ...rest] = slices;
    plan.delete.push(...rest.map((s) => clone(s) as EndpointSlice));
    if (first && sameEndpoints(first, set) && sameMeta(first, ep)) continue;
    const slice = newMirrorSlice(ep, ports, first);
    while (set.size > 0 && slice.endpoints.length < maxEndpointsPerSubset) slice.endpoints.push(set.pop() as Endpoint);
    (first ? plan.update : plan.create).push(slice);
  }
  for (const [k, slices] of existingByPorts) if (!desired.has(k)) plan.delete.push(...slices.map((s) => clone(s) as EndpointSlice));
  recycleSlices(plan, (old, next) => old.addressType === next.addressType);
  return plan;
}
