// Plain-object builders for tests: nodes and pods shaped as the apiserver stores them (less the
// resourceVersion, so that they can be created as they are).

import type { Condition, Node, OwnerReference, Pod, Taint, Toleration } from '@skiff/api';

export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: Condition['status'] | 'missing';
}

export function makeNode(name: string, o: NodeOptions = {}): Node {
  const allocatable: Record<string, string> = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi' };
  if (o.pods !== undefined) allocatable['pods'] = o.pods;
  const conditions: Condition[] = o.ready === 'missing' ? [] : [{ type: 'Ready', status: o.ready ?? 'True', reason: 'KubeletReady' }];
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: {},
    status: { capacity: { ...allocatable }, allocatable, conditions },
  };
  if (o.taints) node.spec = { ...node.spec, taints: o.taints };
  if (o.unschedulable !== undefined) node.spec = { ...node.spec, unschedulable: o.unschedulable };
  return node;
}

export interface PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  /** Extra containers' requests, for multi-container arithmetic. */
  containers?: { cpu?: string; memory?: string; limitsOnly?: boolean }[];
  nodeName?: string;
  owner?: string;
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  phase?: NonNullable<Pod['status']>['phase'];
  schedulerName?: string;
  deleting?: boolean;
}

function requests(cpu: string | undefined, memory: string | undefined): Record<string, string> | undefined {
  const r: Record<string, string> = {};
  if (cpu !== undefined) r['cpu'] = cpu;
  if (memory !== undefined) r['memory'] = memory;
  return Object.keys(r).length > 0 ? r : undefined;
}

export function makePod(name: string, o: PodOptions = {}): Pod {
  const specs = o.containers ?? [{ ...(o.cpu !== undefined && { cpu: o.cpu }), ...(o.memory !== undefined && { memory: o.memory }) }];
  const containers = specs.map((c, i) => {
    const r = requests(c.cpu, c.memory);
    return {
      name: `c${i}`,
      image: 'skiff/busybox:latest',
      ...(r && { resources: c.limitsOnly ? { limits: r } : { requests: r } }),
    };
  });
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', uid: `uid-${name}` },
    spec: { containers },
    status: { phase: o.phase ?? 'Pending' },
  };
  if (o.owner !== undefined) {
    const ref: OwnerReference = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: o.owner, uid: `uid-${o.owner}`, controller: true };
    pod.metadata.ownerReferences = [ref];
  }
  if (o.deleting) pod.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  if (o.nodeName !== undefined) pod.spec.nodeName = o.nodeName;
  if (o.tolerations) pod.spec.tolerations = o.tolerations;
  if (o.nodeSelector) pod.spec.nodeSelector = o.nodeSelector;
  if (o.schedulerName !== undefined) pod.spec.schedulerName = o.schedulerName;
  return pod;
}
