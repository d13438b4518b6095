// The API reads the Deployment commands share: the ReplicaSets a Deployment controls, split into
// its new and old ones, and the pods it selects.

import { selectorFromLabelSelector, type Deployment, type Pod, type ReplicaSet } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
import { classifyReplicaSets, type DeploymentReplicaSets } from './replica-sets.js';

export async function deploymentReplicaSets(api: Pick<ApiInterface, 'list'>, d: Readonly<Deployment>): Promise<DeploymentReplicaSets> {
  const list = await api.list<ReplicaSet>('replicasets', {
    namespace: d.metadata.namespace ?? '',
    labelSelector: selectorFromLabelSelector(d.spec?.selector).toString(),
  });
  return classifyReplicaSets(d, list.items);
}

export async function deploymentPods(api: Pick<ApiInterface, 'list'>, d: Readonly<Deployment>): Promise<Pod[]> {
  const list = await api.list<Pod>('pods', {
    namespace: d.metadata.namespace ?? '',
    labelSelector: selectorFromLabelSelector(d.spec?.selector).toString(),
  });
  return list.items;
}
