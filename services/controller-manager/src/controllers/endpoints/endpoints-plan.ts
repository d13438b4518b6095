// What a Service's Endpoints should hold, after Kubernetes' pkg/controller/endpoint/
// endpoints_controller.go (syncService, addEndpointSubset, truncateEndpoints) and
// pkg/api/v1/endpoints/util.go (RepackSubsets, SortSubsets). Pure: the controller feeds it the
// Service, its pods from the cache and the current Endpoints, and writes what it returns.

import { isDeepStrictEqual } from 'node:util';
import { ipToInt, type EndpointAddress, type EndpointPort, type Endpoints, type EndpointSubset, type Pod, type Service } from '@skiff/api';
import { isPodReady } from '../replicaset/pod-utils.js';
import { findPort, isServiceIPSet, LABEL_HEADLESS, podIPv4s, portProtocol, shouldPodBeInEndpoints, shouldSetHostname } from './service-pods.js';

/** Kubernetes 1.33's label on the Endpoints the controller writes (users' own Endpoints lack it). */
export const LABEL_ENDPOINTS_MANAGED_BY = 'endpoints.kubernetes.io/managed-by';
export const ENDPOINT_CONTROLLER_NAME = 'endpoint-controller';
/** Set to `truncated` when more than MAX_ENDPOINTS_CAPACITY addresses had to be cut. */
export const ANNOTATION_OVER_CAPACITY = 'endpoints.kubernetes.io/over-capacity';
export const MAX_ENDPOINTS_CAPACITY = 1000;

/** podToEndpointAddressForService: the pod's IPv4 address, node and a reference to it. */
export function podToEndpointAddress(svc: Readonly<Service>, pod: Readonly<Pod>): EndpointAddress | undefined {
  const ip = podIPv4s(pod)[0];
  if (!ip) return undefined;
  const addr: EndpointAddress = { ip, targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' } };
  if (pod.spec.nodeName) addr.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, svc) && pod.spec.hostname) addr.hostname = pod.spec.hostname;
  return addr;
}

/** The EndpointPort a Service port becomes on a pod whose port number is `port`. */
export function endpointPort(svcPort: Readonly<NonNullable<Service['spec']['ports']>[number]>, port: number): EndpointPort {
  const p: EndpointPort = { port, protocol: portProtocol(svcPort) };
  if (svcPort.name) p.name = svcPort.name;
  if (svcPort.appProtocol) p.appProtocol = svcPort.appProtocol;
  return p;
}

interface Entry {
  addr: EndpointAddress;
  ready: boolean;
  /** Absent for a headless Service without ports. */
  port?: EndpointPort;
}

const addrKey = (a: Readonly<EndpointAddress>): string => `${a.ip}/${a.targetRef?.uid ?? ''}`;
const portKey = (p: Readonly<EndpointPort>): string => `${p.name ?? ''}/${p.port}/${portProtocol(p)}`;

function compareAddresses(a: Readonly<EndpointAddress>, b: Readonly<EndpointAddress>): number {
  return ipToInt(a.ip) - ipToInt(b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
}

function comparePorts(a: Readonly<EndpointPort>, b: Readonly<EndpointPort>): number {
  return (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port || portProtocol(a).localeCompare(portProtocol(b));
}

function subsetSortKey(s: Readonly<EndpointSubset>): string {
  const first = s.addresses?.[0] ?? s.notReadyAddresses?.[0];
  return `${(s.ports ?? []).map(portKey).join(',')}|${first ? String(ipToInt(first.ip)).padStart(10, '0') : ''}`;
}

/**
 * RepackSubsets: every port maps to the set of (address, ready) offering it; ports with the same
 * set share a subset. Sorted (addresses by IP, ports by name and number, subsets by ports) so an
 * unchanged set of pods always gives the same subsets.
 */
function repack(entries: readonly Entry[]): EndpointSubset[] {
  const byPort = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, Entry> }>();
  for (const e of entries) {
    const k = e.port ? portKey(e.port) : '';
    let group = byPort.get(k);
    if (!group) byPort.set(k, (group = { port: e.port, addrs: new Map() }));
    group.addrs.set(addrKey(e.addr), e);
  }
  const bySet = new Map<string, { ports: EndpointPort[]; addrs: Entry[] }>();
  for (const { port, addrs } of byPort.values()) {
    const setKey = [...addrs.entries()]
      .map(([k, e]) => `${k}:${e.ready ? 1 : 0}`)
      .sort()
      .join(',');
    let group = bySet.get(setKey);
    if (!group) bySet.set(setKey, (group = { ports: [], addrs: [...addrs.values()] }));
    if (port) group.ports.push(port);
  }
  const subsets = [...bySet.values()].map(({ ports, addrs }) => {
    const subset: EndpointSubset = {};
    const ready = addrs.filter((e) => e.ready).map((e) => e.addr).sort(compareAddresses);
    const notReady = addrs.filter((e) => !e.ready).map((e) => e.addr).sort(compareAddresses);
    if (ready.length > 0) subset.addresses = ready;
    if (notReady.length > 0) subset.notReadyAddresses = notReady;
    if (ports.length > 0) subset.ports = ports.sort(comparePorts);
    return subset;
  });
  return subsets.sort((a, b) => subsetSortKey(a).localeCompare(subsetSortKey(b)));
}

/**
 * The subsets of a selector Service: pods with an IP that are not finished nor (unless
 * publishNotReadyAddresses) terminating; Ready ones (all with publishNotReadyAddresses) as
 * addresses, the others as notReadyAddresses; per Service port, a named targetPort resolved against
 * each pod's containers (a pod without it is left out of that port).
 */
export function desiredSubsets(svc: Readonly<Service>, pods: readonly Readonly<Pod>[]): EndpointSubset[] {
  const publishNotReady = svc.spec.publishNotReadyAddresses === true;
  const ports = svc.spec.ports ?? [];
  const entries: Entry[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const addr = podToEndpointAddress(svc, pod);
    if (!addr) continue;
    const ready = publishNotReady || isPodReady(pod);
    if (ports.length === 0) {
      // A headless Service may have no ports; other Services without ports get no endpoints.
      if (svc.spec.clusterIP === 'None') entries.push({ addr, ready });
      continue;
    }
    for (const svcPort of ports) {
      const num = findPort(pod, svcPort);
      if (num !== undefined) entries.push({ addr, ready, port: endpointPort(svcPort, num) });
    }
  }
  return repack(entries);
}

/**
 * truncateEndpoints: above MAX_ENDPOINTS_CAPACITY addresses, keep ready ones first, spread over
 * the subsets in proportion to their size (rounded up, the last subsets taking what is left).
 */
export function truncateSubsets(subsets: readonly EndpointSubset[], max = MAX_ENDPOINTS_CAPACITY): { subsets: EndpointSubset[]; truncated: boolean } {
  const totalReady = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
  const totalNotReady = subsets.reduce((n, s) => n + (s.notReadyAddresses?.length ?? 0), 0);
  if (totalReady + totalNotReady <= max) return { subsets: [...subsets], truncated: false };
  const truncateReady = totalReady > max;
  const room = truncateReady ? max : max - totalReady;
  const total = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = room;
  const out = subsets.map((s) => {
    const list = truncateReady ? (s.addresses ?? []) : (s.notReadyAddresses ?? []);
    const take = Math.min(Math.ceil((list.length / total) * room), canBeAdded);
    const kept = list.slice(0, take);
    canBeAdded -= kept.length;
    const next: EndpointSubset = { ...s };
    if (truncateReady) {
      if (kept.length > 0) next.addresses = kept;
      else delete next.addresses;
      delete next.notReadyAddresses;
    } else if (kept.length > 0) next.notReadyAddresses = kept;
    else delete next.notReadyAddresses;
    return next;
  });
  return { subsets: out.filter((s) => (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0) > 0), truncated: true };
}

/** The labels the controller writes: the Service's, headless when it has no ClusterIP, and managed-by. */
export function desiredLabels(svc: Readonly<Service>): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata.labels };
  if (isServiceIPSet(svc)) delete labels[LABEL_HEADLESS];
  else labels[LABEL_HEADLESS] = '';
  labels[LABEL_ENDPOINTS_MANAGED_BY] = ENDPOINT_CONTROLLER_NAME;
  return labels;
}

/** A subset as compared: the pod's resourceVersion in targetRef and empty lists do not count. */
function normalizeSubsets(subsets: readonly EndpointSubset[] | undefined): unknown {
  const addr = (a: Readonly<EndpointAddress>): Record<string, unknown> => {
    const out: Record<string, unknown> = { ip: a.ip };
    if (a.hostname) out['hostname'] = a.hostname;
    if (a.nodeName) out['nodeName'] = a.nodeName;
    if (a.targetRef) {
      const { resourceVersion: _rv, ...ref } = a.targetRef;
      out['targetRef'] = Object.fromEntries(Object.entries(ref).filter(([, v]) => v !== undefined && v !== ''));
    }
    return out;
  };
  const port = (p: Readonly<EndpointPort>): Record<string, unknown> => ({ name: p.name ?? '', port: p.port, protocol: portProtocol(p), appProtocol: p.appProtocol ?? '' });
  return (subsets ?? [])
    .map((s) => ({ addresses: (s.addresses ?? []).map(addr), notReadyAddresses: (s.notReadyAddresses ?? []).map(addr), ports: (s.ports ?? []).map(port) }))
    .filter((s) => s.addresses.length + s.notReadyAddresses.length > 0);
}

export function subsetsEqual(a: readonly EndpointSubset[] | undefined, b: readonly EndpointSubset[] | undefined): boolean {
  return isDeepStrictEqual(normalizeSubsets(a), normalizeSubsets(b));
}

export type EndpointsPlan = { action: 'none' } | { action: 'create' | 'update'; endpoints: Endpoints };

/**
 * What to write for a Service with a selector given the current Endpoints (undefined if none):
 * nothing when the subsets, labels and capacity annotation already match.
 */
export function planEndpoints(svc: Readonly<Service>, pods: readonly Readonly<Pod>[], current: Readonly<Endpoints> | undefined): EndpointsPlan {
  const { subsets, truncated } = truncateSubsets(desiredSubsets(svc, pods));
  const labels = desiredLabels(svc);
  const annotations: Record<string, string> = { ...current?.metadata.annotations };
  if (truncated) annotations[ANNOTATION_OVER_CAPACITY] = 'truncated';
  else delete annotations[ANNOTATION_OVER_CAPACITY];
  if (current && subsetsEqual(current.subsets, subsets) && isDeepStrictEqual({ ...current.metadata.labels }, labels) && isDeepStrictEqual({ ...current.metadata.annotations }, annotations)) {
    return { action: 'none' };
  }
  const metadata: Endpoints['metadata'] = current
    ? { ...current.metadata, labels }
    : { name: svc.metadata.name ?? '', namespace: svc.metadata.namespace ?? '', labels };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  const endpoints: Endpoints = { apiVersion: 'v1', kind: 'Endpoints', metadata, subsets };
  return current ? { action: 'update', endpoints } : { action: 'create', endpoints };
}
