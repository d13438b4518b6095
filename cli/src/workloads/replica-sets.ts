// Which ReplicaSets belong to a Deployment and which of them is its current one, as kubectl's
// deployment utilities decide (k8s.io/kubectl/pkg/util/deployment: GetAllReplicaSets,
// FindNewReplicaSet, EqualIgnoreHash, Revision): the ReplicaSets the Deployment controls (by
// ownerReference uid), oldest first; the new one is the oldest whose pod template equals the
// Deployment's once the `pod-template-hash` label is ignored; every other one is old.

import { controllerOf, equalIgnoreHash, type Deployment, type ReplicaSet } from '@skiff/api';

export { CHANGE_CAUSE_ANNOTATION, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, revisionOf, semanticEqual, withoutHash } from '@skiff/api';

function byCreation(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export interface DeploymentReplicaSets {
  newRS: ReplicaSet | undefined;
  /** Every other ReplicaSet the Deployment controls, oldest first (scaled to 0 or not). */
  oldRSs: ReplicaSet[];
}

/** Splits the ReplicaSets the Deployment controls into its new one and the old ones. */
export function classifyReplicaSets(d: Readonly<Deployment>, replicaSets: readonly ReplicaSet[]): DeploymentReplicaSets {
  const uid = d.metadata.uid;
  const owned = replicaSets.filter((rs) => uid !== undefined && controllerOf(rs)?.uid === uid).sort(byCreation);
  const newRS = owned.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
  return { newRS, oldRSs: owned.filter((rs) => rs !== newRS) };
}

/** Every ReplicaSet the Deployment controls: the old ones, then the new one. */
export function allReplicaSets(split: Readonly<DeploymentReplicaSets>): ReplicaSet[] {
  return split.newRS ? [...split.oldRSs, split.newRS] : [...split.oldRSs];
}
