// Plain objects for the kubelet's unit tests: pods as the apiserver returns them (less the
// resourceVersion, so that they can be created as they are), and containers as the runtime
// reports them.

import type { Container, Pod, RestartPolicy } from '@skiff/api';
import type { ObservedContainer } from '../pod/observed.js';

export interface PodOptions {
  name?: string;
  namespace?: string;
  uid?: string;
  node?: string;
  restartPolicy?: RestartPolicy;
  containers?: Container[];
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  terminationGracePeriodSeconds?: number;
  creationTimestamp?: string;
}

export function makePod(o: PodOptions = {}): Pod {
  const name = o.name ?? 'web-1';
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: o.namespace ?? 'default',
      uid: o.uid ?? `uid-${name}-0000-0000`,
      creationTimestamp: o.creationTimestamp ?? '2026-01-01T00:00:00Z',
    },
    spec: {
      containers: o.containers ?? [{ name: 'web', image: 'skiff/demo-web:v1' }],
      restartPolicy: o.restartPolicy ?? 'Always',
      nodeName: o.node ?? 'node-a',
      terminationGracePeriodSeconds: o.terminationGracePeriodSeconds ?? 30,
    },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
  if (o.deletionTimestamp) pod.metadata.deletionTimestamp = o.deletionTimestamp;
  if (o.deletionGracePeriodSeconds !== undefined) pod.metadata.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
  return pod;
}

let seq = 0;

export function observedContainer(pod: Pod, over: Partial<ObservedContainer> & { name: string }): ObservedContainer {
  const infra = over.name === 'POD';
  return {
    id: over.id ?? `c${++seq}`.padEnd(12, '0'),
    role: infra ? 'infra' : 'app',
    podUid: pod.metadata.uid ?? '',
    attempt: 0,
    state: 'running',
    exitCode: 0,
    oomKilled: false,
    createdAt: Date.parse('2026-01-01T00:00:01Z') + seq,
    startedAt: '2026-01-01T00:00:01.123456789Z',
    image: infra ? 'skiff/busybox:latest' : (pod.spec.containers.find((c) => c.name === over.name)?.image ?? 'skiff/busybox:latest'),
    imageID: 'sha256:abc',
    ...(infra && (over.state ?? 'running') === 'running' ? { ipAddress: '172.30.0.5' } : {}),
    ...over,
  };
}

export function exitedContainer(pod: Pod, name: string, exitCode: number, attempt = 0, finishedAt = '2026-01-01T00:00:05Z'): ObservedContainer {
  const c = observedContainer(pod, { name, state: 'exited', exitCode, attempt, finishedAt });
  delete c.ipAddress;
  return c;
}
