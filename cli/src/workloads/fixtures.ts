// Plain Deployment and ReplicaSet objects for the unit tests of the Deployment commands.

import type { Deployment, ReplicaSet } from '@skiff/api';

export const DEPLOY_UID = 'deploy-uid';

export function deployment(image: string, overrides: { replicas?: number; generation?: number; paused?: boolean; annotations?: Record<string, string> } = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      uid: DEPLOY_UID,
      generation: overrides.generation ?? 1,
      creationTimestamp: '2024-05-01T11:00:00Z',
      labels: { app: 'web' },
      ...(overrides.annotations ? { annotations: overrides.annotations } : {}),
    },
    spec: {
      replicas: overrides.replicas ?? 4,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      ...(overrides.paused ? { paused: true } : {}),
    },
  };
}

export function replicaSet(
  hash: string,
  image: string,
  revision: number | undefined,
  opts: { created?: string; replicas?: number; owner?: string; changeCause?: string } = {},
): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (revision !== undefined) annotations['deployment.kubernetes.io/revision'] = String(revision);
  if (opts.changeCause) annotations['kubernetes.io/change-cause'] = opts.changeCause;
  const labels = { app: 'web', 'pod-template-hash': hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${hash}`,
      namespace: 'default',
      uid: `rs-${hash}`,
      creationTimestamp: opts.created ?? '2024-05-01T11:00:01Z',
      labels,
      annotations,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: opts.owner ?? DEPLOY_UID, controller: true }],
    },
    spec: {
      replicas: opts.replicas ?? 0,
      selector: { matchLabels: { ...labels } },
      template: { metadata: { labels: { ...labels } }, spec: { containers: [{ name: 'web', image }] } },
    },
    status: { replicas: opts.replicas ?? 0 },
  };
}
