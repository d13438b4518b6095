// Plain objects for the networking controllers' tests: Services, pods with an IP and readiness,
// nodes with an address, in the shapes the apiserver returns.

import type { ContainerPort, Endpoint, EndpointSlice, Node, Pod, Service, ServicePort, ServiceSpec } from '@skiff/api';

export function makeService(name: string, spec: Partial<ServiceSpec> = {}, o: { namespace?: string; uid?: string; labels?: Record<string, string> } = {}): Service {
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: o.namespace ?? 'default', uid: o.uid ?? `svc-uid-${name}`, resourceVersion: '1' },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], clusterIP: '10.96.0.20', type: 'ClusterIP', ...spec },
  };
  if (o.labels) svc.metadata.labels = o.labels;
  return svc;
}

export interface NetPodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  /** Omit for a pod without an IP yet. */
  ip?: string;
  ready?: boolean;
  nodeName?: string;
  ports?: ContainerPort[];
  terminating?: boolean;
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  hostname?: string;
  subdomain?: string;
}

export function makeNetPod(name: string, o: NetPodOptions = {}): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `pod-uid-${name}`, resourceVersion: '5', labels: o.labels ?? { app: 'web' } },
    spec: { nodeName: o.nodeName ?? 'n1', containers: [{ name: 'c', image: 'skiff/demo-web:v1', ...(o.ports && { ports: o.ports }) }] },
    status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
  };
  if (o.ip) pod.status = { ...pod.status, podIP: o.ip, podIPs: [{ ip: o.ip }] };
  if (o.terminating) pod.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  if (o.hostname) pod.spec.hostname = o.hostname;
  if (o.subdomain) pod.spec.subdomain = o.subdomain;
  return pod;
}

export function makeNode(name: string, o: { ip?: string; ready?: boolean; unschedulable?: boolean; labels?: Record<string, string>; podCIDR?: string } = {}): Node {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `node-uid-${name}`, resourceVersion: '3', ...(o.labels && { labels: o.labels }) },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
      addresses: [
        { type: 'InternalIP', address: o.ip ?? '127.0.0.2' },
        { type: 'Hostname', address: name },
      ],
    },
  };
  if (o.unschedulable) node.spec = { ...node.spec, unschedulable: true };
  if (o.podCIDR) node.spec = { ...node.spec, podCIDR: o.podCIDR, podCIDRs: [o.podCIDR] };
  return node;
}

/** The ports of a Service, named. */
export function ports(...p: ServicePort[]): ServicePort[] {
  return p;
}

/** `ip → conditions` of the endpoints in slices, for compact assertions. */
export function endpointConditions(slices: readonly Readonly<EndpointSlice>[]): Record<string, Endpoint['conditions']> {
  const out: Record<string, Endpoint['conditions']> = {};
  for (const s of slices) for (const ep of s.endpoints ?? []) out[ep.addresses[0] ?? ''] = ep.conditions;
  return out;
}
