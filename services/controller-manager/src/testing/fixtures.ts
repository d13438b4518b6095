// Plain objects for unit tests: a ReplicaSet and pods in the shapes the apiserver returns.

import { nowRFC3339, type OwnerReference, type Pod, type PodPhase, type ReplicaSet } from '@skiff/api';

let counter = 0;

export interface RsOptions {
  name?: string;
  namespace?: string;
  uid?: string;
  replicas?: number;
  minReadySeconds?: number;
  labels?: Record<string, string>;
  generation?: number;
  deletionTimestamp?: string;
}

export function makeReplicaSet(o: RsOptions = {}): ReplicaSet {
  const name = o.name ?? 'web';
  const labels = o.labels ?? { app: name };
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? `rs-uid-${name}`,
      resourceVersion: '1',
      generation: o.generation ?? 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
    },
    spec: {
      replicas: o.replicas ?? 3,
      selector: { matchLabels: { ...labels } },
      template: {
        metadata: { labels: { ...labels } },
        spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] },
      },
    },
    status: { replicas: 0 },
  };
  if (o.minReadySeconds !== undefined) rs.spec.minReadySeconds = o.minReadySeconds;
  if (o.deletionTimestamp) rs.metadata.deletionTimestamp = o.deletionTimestamp;
  return rs;
}

export function ownerRefTo(rs: ReplicaSet, controller = true): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name ?? '', uid: rs.metadata.uid ?? '', controller, blockOwnerDeletion: true };
}

export interface PodOptions {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  owner?: ReplicaSet | OwnerReference;
  phase?: PodPhase;
  nodeName?: string;
  /** Ready=True since this time (RFC3339); `true` for "since long ago". */
  readySince?: string | true;
  restarts?: number;
  created?: string;
  deletionTimestamp?: string;
}

export function makePod(o: PodOptions = {}): Pod {
  counter++;
  const name = o.name ?? `pod-${counter}`;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: `pod-uid-${name}`,
      resourceVersion: String(100 + counter),
      creationTimestamp: o.created ?? '2026-01-01T00:00:00Z',
      labels: o.labels ?? { app: 'web' },
    },
    spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] },
    status: { phase: o.phase ?? 'Running' },
  };
  if (o.owner) pod.metadata.ownerReferences = ['spec' in o.owner ? ownerRefTo(o.owner) : o.owner];
  if (o.nodeName) pod.spec.nodeName = o.nodeName;
  if (o.deletionTimestamp) pod.metadata.deletionTimestamp = o.deletionTimestamp;
  if (o.readySince !== undefined) {
    const since = o.readySince === true ? '2025-01-01T00:00:00Z' : o.readySince;
    pod.status = { ...pod.status, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: since }] };
  }
  if (o.restarts !== undefined) {
    pod.status = {
      ...pod.status,
      containerStatuses: [{ name: 'web', state: { running: {} }, lastState: {}, ready: true, restartCount: o.restarts, image: 'x', imageID: '' }],
    };
  }
  return pod;
}

export function at(iso: string): number {
  return Date.parse(iso);
}

export { nowRFC3339 };
