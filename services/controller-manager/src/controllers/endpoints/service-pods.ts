// Which pods back a Service, and how a pod's endpoint looks: shared by the endpoints and
// EndpointSlice controllers. After Kubernetes' staging/src/k8s.io/endpointslice/util/
// controller_utils.go (ShouldPodBeInEndpoints, ShouldSetHostname, podEndpointsChanged,
// GetServicesToUpdate) and staging/src/k8s.io/endpointslice/utils.go (FindPort).

import { isIPv4, selectorFromLabelSelector, type Pod, type Protocol, type Service, type ServicePort } from '@skiff/api';
import { labelsEqual } from '../../object-changes.js';
import { isPodReady } from '../replicaset/pod-utils.js';

/** Label on the Endpoints and EndpointSlices of a Service without a ClusterIP. */
export const LABEL_HEADLESS = 'service.kubernetes.io/headless';

/**
 * Whether the Service selects pods. Kubernetes treats only a nil selector as "no selector"; an
 * empty one would select every pod of the namespace. Skiff treats `{}` as none too (JSON often
 * loses the difference), so such a Service gets no controller-written endpoints.
 */
export function hasSelector(svc: Readonly<Service>): boolean {
  return Object.keys(svc.spec.selector ?? {}).length > 0;
}

/** Whether the Service's selector matches the pod's labels (same namespace). */
export function selects(svc: Readonly<Service>, labels: Readonly<Record<string, string>> | undefined): boolean {
  return hasSelector(svc) && selectorFromLabelSelector({ matchLabels: svc.spec.selector ?? {} }).matches(labels);
}

/** Whether the Service has a ClusterIP (not headless): `isServiceIPSet`. */
export function isServiceIPSet(svc: Readonly<Service>): boolean {
  return svc.spec.clusterIP !== undefined && svc.spec.clusterIP !== '' && svc.spec.clusterIP !== 'None';
}

export function isPodTerminal(pod: Readonly<Pod>): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** The pod's IPv4 addresses (status.podIPs, else status.podIP). */
export function podIPv4s(pod: Readonly<Pod>): string[] {
  const ips = pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
  return [...new Set(ips.filter(isIPv4))];
}

/**
 * ShouldPodBeInEndpoints: not Succeeded/Failed, has an IP, and (unless `includeTerminating`) no
 * deletionTimestamp.
 */
export function shouldPodBeInEndpoints(pod: Readonly<Pod>, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (podIPv4s(pod).length === 0) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/** ShouldSetHostname: the pod names a hostname and this Service as its subdomain. */
export function shouldSetHostname(pod: Readonly<Pod>, svc: Readonly<Service>): boolean {
  return !!pod.spec.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

export function portProtocol(p: { protocol?: Protocol }): Protocol {
  return p.protocol ?? 'TCP';
}

/**
 * FindPort: a numeric targetPort is used as it is (none means `port`); a named one is looked up
 * among the pod's containers' ports by name and protocol. Undefined when the pod has no such port.
 */
export function findPort(pod: Readonly<Pod>, svcPort: Readonly<ServicePort>): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === target && portProtocol(p) === portProtocol(svcPort)) return p.containerPort;
  }
  return undefined;
}

/**
 * podEndpointsChanged: whether a pod update can change its endpoint (deletionTimestamp,
 * readiness, IPs) and whether it can change which Services select it (labels, hostname,
 * subdomain).
 */
export function podEndpointsChanged(old: Readonly<Pod>, cur: Readonly<Pod>): { podChanged: boolean; labelsChanged: boolean } {
  const labelsChanged = !labelsEqual(old.metadata.labels, cur.metadata.labels) || old.spec.hostname !== cur.spec.hostname || old.spec.subdomain !== cur.spec.subdomain;
  const podChanged =
    old.metadata.deletionTimestamp !== cur.metadata.deletionTimestamp ||
    isPodReady(old) !== isPodReady(cur) ||
    podIPv4s(old).join(',') !== podIPv4s(cur).join(',') ||
    old.spec.nodeName !== cur.spec.nodeName ||
    isPodTerminal(old) !== isPodTerminal(cur) ||
    // Named target ports are resolved against the containers' ports.
    JSON.stringify(old.spec.containers.map((c) => c.ports ?? [])) !== JSON.stringify(cur.spec.containers.map((c) => c.ports ?? []));
  return { podChanged, labelsChanged };
}

/**
 * The keys of the Services a pod event concerns (GetServicesToUpdateOnPodChange): on an update,
 * nothing if nothing relevant changed; the Services of the new labels if only the pod changed;
 * with changed labels, the union of old and new Services if the pod changed too, else the
 * Services it joined or left.
 */
export function servicesToUpdate(services: readonly Readonly<Service>[], old: Readonly<Pod> | undefined, cur: Readonly<Pod>): string[] {
  const keysFor = (labels: Readonly<Record<string, string>> | undefined): Set<string> =>
    new Set(services.filter((s) => s.metadata.namespace === cur.metadata.namespace && selects(s, labels)).map((s) => `${s.metadata.namespace ?? ''}/${s.metadata.name ?? ''}`));
  if (!old) return [...keysFor(cur.metadata.labels)];
  if (old.metadata.resourceVersion !== undefined && old.metadata.resourceVersion === cur.metadata.resourceVersion) return [];
  const { podChanged, labelsChanged } = podEndpointsChanged(old, cur);
  if (!podChanged && !labelsChanged) return [];
  const now = keysFor(cur.metadata.labels);
  if (!labelsChanged) return [...now];
  const before = keysFor(old.metadata.labels);
  if (podChanged) return [...new Set([...now, ...before])];
  return [...now, ...before].filter((k) => now.has(k) !== before.has(k));
}
