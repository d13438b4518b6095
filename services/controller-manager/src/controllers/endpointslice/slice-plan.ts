// Which EndpointSlices to create, update and delete for a Service, after Kubernetes'
// staging/src/k8s.io/endpointslice/reconciler.go (reconcileByAddressType, reconcileByPortMapping,
// finalize, the placeholder slice) and utils.go (podToEndpoint, getEndpointPorts,
// newEndpointSlice, setEndpointSliceLabels, getSliceToFill). Pure; IPv4 only, as Skiff's network.
//
// Minimal churn, as Kubernetes: existing slices keep the endpoints still wanted (updated in place
// when their conditions changed) and lose the others; slices that changed anyway are filled up
// first (fullest first); what is left goes into the unchanged slice it fits best, else new
// slices; a slice to delete is recycled for a slice to create.

import { clone, LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, type Endpoint, type EndpointSlice, type Node, type Pod, type Service } from '@skiff/api';
import { labelsEqual } from '../../object-changes.js';
import { isPodReady } from '../replicaset/pod-utils.js';
import { LABEL_ZONE } from '../node-lifecycle/zones.js';
import { findPort, isServiceIPSet, LABEL_HEADLESS, podIPv4s, portProtocol, shouldPodBeInEndpoints, shouldSetHostname } from '../endpoints/service-pods.js';
import { EndpointSet, endpointsEqualBeyondHash, portMapKey, recycleSlices, type SlicePort } from './endpoint-set.js';

export const ENDPOINTSLICE_CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const DEFAULT_MAX_ENDPOINTS_PER_SLICE = 100;

export interface SlicePlanInput {
  service: Readonly<Service>;
  pods: readonly Readonly<Pod>[];
  /** The node a pod runs on, from the cache (undefined when there is no such node). */
  node: (name: string) => Readonly<Node> | undefined;
  /** The slices labelled with the Service's name and managed by this controller. */
  existing: readonly Readonly<EndpointSlice>[];
  maxEndpointsPerSlice: number;
}

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
  /** Pods left out because their node is not (yet) known: the Service is synced again later. */
  podsOnMissingNodes: string[];
}

/** podToEndpoint: serving is readiness, terminating the deletionTimestamp, ready both (or publishNotReadyAddresses). */
export function podToEndpoint(pod: Readonly<Pod>, node: Readonly<Node> | undefined, svc: Readonly<Service>): Endpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  const ready = svc.spec.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: Endpoint = {
    addresses: podIPv4s(pod),
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  const zone = node?.metadata.labels?.[LABEL_ZONE];
  if (zone) ep.zone = zone;
  if (shouldSetHostname(pod, svc) && pod.spec.hostname) ep.hostname = pod.spec.hostname;
  return ep;
}

/** getEndpointPorts: each Service port the pod has (named target ports resolved against its containers). */
export function endpointPorts(svc: Readonly<Service>, pod: Readonly<Pod>): SlicePort[] {
  const out: SlicePort[] = [];
  for (const svcPort of svc.spec.ports ?? []) {
    const port = findPort(pod, svcPort);
    if (port === undefined) continue;
    const p: SlicePort = { name: svcPort.name ?? '', port, protocol: portProtocol(svcPort) };
    if (svcPort.appProtocol) p.appProtocol = svcPort.appProtocol;
    out.push(p);
  }
  return out;
}

/** setEndpointSliceLabels: the Service's labels, headless when it has no ClusterIP, the service name and manager. */
export function sliceLabels(svc: Readonly<Service>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
    if (k !== LABEL_SERVICE_NAME && k !== LABEL_ENDPOINTSLICE_MANAGED_BY && k !== LABEL_HEADLESS) labels[k] = v;
  }
  if (!isServiceIPSet(svc)) labels[LABEL_HEADLESS] = '';
  labels[LABEL_SERVICE_NAME] = svc.metadata.name ?? '';
  labels[LABEL_ENDPOINTSLICE_MANAGED_BY] = ENDPOINTSLICE_CONTROLLER_NAME;
  return labels;
}

/** ownedBy: the slice's ownerReferences name this Service (by uid). */
export function ownedBy(slice: Readonly<EndpointSlice>, svc: Readonly<Service>): boolean {
  return (slice.metadata.ownerReferences ?? []).some((o) => o.uid === svc.metadata.uid && o.kind === 'Service' && o.apiVersion === 'v1');
}

/** newEndpointSlice: generateName `<service>-`, controlled by the Service. */
export function newSlice(svc: Readonly<Service>, ports: readonly SlicePort[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name ?? ''}-`,
      namespace: svc.metadata.namespace ?? '',
      labels: sliceLabels(svc),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name ?? '', uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: [],
    ports: [...ports],
  };
}

/** The placeholder Kubernetes keeps for a Service with no endpoints: no ports, no endpoints. */
function isPlaceholder(slice: Readonly<EndpointSlice>, svc: Readonly<Service>): boolean {
  return (
    slice.addressType === 'IPv4' &&
    (slice.endpoints ?? []).length === 0 &&
    (slice.ports ?? []).length === 0 &&
    ownedBy(slice, svc) &&
    labelsEqual(slice.metadata.labels, sliceLabels(svc))
  );
}

/** getSliceToFill: the slice that will be closest to full once `n` endpoints are added to it. */
function sliceToFill(slices: readonly EndpointSlice[], n: number, max: number): EndpointSlice | undefined {
  let closestDiff = max;
  let closest: EndpointSlice | undefined;
  for (const s of slices) {
    const diff = max - (n + s.endpoints.length);
    if (diff >= 0 && diff < closestDiff) {
      closestDiff = diff;
      closest = s;
      if (diff === 0) break;
    }
  }
  return closest;
}

const byName = (a: Readonly<EndpointSlice>, b: Readonly<EndpointSlice>): number => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

/** reconcileByPortMapping for one port set. */
function reconcilePortSet(svc: Readonly<Service>, existing: readonly Readonly<EndpointSlice>[], desired: EndpointSet, ports: readonly SlicePort[], max: number): { create: EndpointSlice[]; update: EndpointSlice[]; delete: EndpointSlice[] } {
  const labels = sliceLabels(svc);
  const toUpdate = new Map<string, EndpointSlice>();
  const unchanged = new Map<string, Readonly<EndpointSlice>>();
  const toDelete: EndpointSlice[] = [];

  // 1. Keep the endpoints still desired (updated where they changed), drop the others.
  for (const slice of [...existing].sort(byName)) {
    const kept: Endpoint[] = [];
    let changed = false;
    for (const ep of slice.endpoints ?? []) {
      const want = desired.get(ep);
      if (!want) continue;
      kept.push(want);
      if (!endpointsEqualBeyondHash(want, ep)) changed = true;
      desired.delete(ep);
    }
    const labelsChanged = !labelsEqual(slice.metadata.labels, labels);
    const name = slice.metadata.name ?? '';
    if (changed || kept.length !== (slice.endpoints ?? []).length) {
      if (kept.length === 0) toDelete.push(clone(slice) as EndpointSlice);
      else toUpdate.set(name, { ...(clone(slice) as EndpointSlice), endpoints: kept, metadata: { ...clone(slice.metadata), labels } });
    } else if (labelsChanged) {
      toUpdate.set(name, { ...(clone(slice) as EndpointSlice), metadata: { ...clone(slice.metadata), labels } });
    } else {
      unchanged.set(name, slice);
    }
  }

  // 2. Fill the slices being updated anyway, fullest first.
  if (desired.size > 0 && toUpdate.size > 0) {
    const slices = [...toUpdate.values()].sort((a, b) => b.endpoints.length - a.endpoints.length || byName(a, b));
    for (const s of slices) {
      while (desired.size > 0 && s.endpoints.length < max) s.endpoints.push(desired.pop() as Endpoint);
    }
  }

  // 3. What is left: into the unchanged slice it fits best, else into new slices.
  const create: EndpointSlice[] = [];
  while (desired.size > 0) {
    let fill: EndpointSlice | undefined;
    if (desired.size < max && unchanged.size > 0) {
      const picked = sliceToFill([...unchanged.values()].sort(byName) as EndpointSlice[], desired.size, max);
      if (picked) {
        fill = { ...(clone(picked) as EndpointSlice), metadata: { ...clone(picked.metadata), labels } };
        unchanged.delete(picked.metadata.name ?? '');
        toUpdate.set(picked.metadata.name ?? '', fill);
      }
    }
    if (!fill) {
      fill = newSlice(svc, ports);
      create.push(fill);
    }
    while (desired.size > 0 && fill.endpoints.length < max) fill.endpoints.push(desired.pop() as Endpoint);
  }
  return { create, update: [...toUpdate.values()], delete: toDelete };
}

/** The slices a Service with a selector should have, given its pods and its current slices. */
export function planSlices(input: SlicePlanInput): SlicePlan {
  const { service: svc, maxEndpointsPerSlice: max } = input;
  const plan: SlicePlan = { create: [], update: [], delete: [], podsOnMissingNodes: [] };

  // Slices of another address type, or of an earlier Service of the same name, go.
  const existingByPorts = new Map<string, Readonly<EndpointSlice>[]>();
  for (const slice of input.existing) {
    if (slice.addressType !== 'IPv4' || !ownedBy(slice, svc)) {
      plan.delete.push(clone(slice) as EndpointSlice);
      continue;
    }
    const k = portMapKey(slice.ports);
    existingByPorts.set(k, [...(existingByPorts.get(k) ?? []), slice]);
  }

  const desired = new Map<string, { ports: SlicePort[]; set: EndpointSet }>();
  for (const pod of input.pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const k = portMapKey(ports);
    let group = desired.get(k);
    if (!group) desired.set(k, (group = { ports, set: new EndpointSet() }));
    const node = pod.spec.nodeName ? input.node(pod.spec.nodeName) : undefined;
    if (!node && svc.spec.publishNotReadyAddresses !== true) {
      // As Kubernetes: a pod on an unknown node is left out (and the Service retried) unless
      // the Service publishes not-ready addresses anyway.
      plan.podsOnMissingNodes.push(pod.metadata.name ?? '');
      continue;
    }
    const ep = podToEndpoint(pod, node, svc);
    if (ep.addresses.length > 0) group.set.insert(ep);
  }

  for (const [k, { ports, set }] of desired) {
    const r = reconcilePortSet(svc, existingByPorts.get(k) ?? [], set, ports, max);
    plan.create.push(...r.create);
    plan.update.push(...r.update);
    plan.delete.push(...r.delete);
  }
  for (const [k, slices] of existingByPorts) if (!desired.has(k)) plan.delete.push(...slices.map((s) => clone(s) as EndpointSlice));

  // No endpoints at all: one placeholder slice (no ports, no endpoints) stands for the Service.
  if (input.existing.length === plan.delete.length && plan.create.length === 0) {
    const [only] = plan.delete;
    if (plan.delete.length === 1 && only && isPlaceholder(only, svc)) plan.delete = [];
    else plan.create.push(newSlice(svc, []));
  }

  recycleSlices(plan, (old, next) => old.addressType === next.addressType && ownedBy(old, svc));
  plan.update.sort(byName);
  return plan;
}
