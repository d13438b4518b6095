// `rollout undo`: kubectl's client-side rollback of a Deployment
// (k8s.io/kubectl/pkg/polymorphichelpers/rollback.go DeploymentRollbacker). The ReplicaSet of the
// wanted revision (the previous one by default) gives its pod template, without the
// pod-template-hash label, back to the Deployment, and its annotations replace the Deployment's
// (except the ones that describe the Deployment itself). The controller then reuses that
// ReplicaSet, which moves its revision to the newest.

import type { Deployment, PodTemplateSpec, ReplicaSet } from '@skiff/api';
import { LAST_APPLIED } from '../apply-patch.js';
import { equalIgnoreHash, REVISION_ANNOTATION, revisionOf, withoutHash } from './replica-sets.js';

/** Annotations kept from the Deployment and never copied from the ReplicaSet. */
export const ANNOTATIONS_TO_SKIP: ReadonlySet<string> = new Set([
  LAST_APPLIED,
  REVISION_ANNOTATION,
  'deployment.kubernetes.io/revision-history',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deprecated.deployment.rollback.to',
]);

export function revisionNotFound(revision: number): Error {
  return new Error(`unable to find specified revision ${revision} in history`);
}

/**
 * The ReplicaSet to roll back to: the one with revision `toRevision`, or, for 0, the one with the
 * second-highest revision. Throws kubectl's errors when there is none.
 */
export function replicaSetForRevision(deploymentName: string, replicaSets: readonly ReplicaSet[], toRevision: number): ReplicaSet {
  if (toRevision < 0) throw revisionNotFound(toRevision);
  let latest: { rs: ReplicaSet; revision: number } | undefined;
  let previous: { rs: ReplicaSet; revision: number } | undefined;
  for (const rs of replicaSets) {
    const revision = revisionOf(rs);
    if (revision === undefined) continue;
    if (toRevision > 0) {
      if (revision === toRevision) return rs;
      continue;
    }
    if (!latest || latest.revision < revision) {
      previous = latest;
      latest = { rs, revision };
    } else if (!previous || previous.revision < revision) {
      previous = { rs, revision };
    }
  }
  if (toRevision > 0) throw revisionNotFound(toRevision);
  if (!previous) throw new Error(`no rollout history found for deployment "${deploymentName}"`);
  return previous.rs;
}

export type RollbackPlan =
  | { kind: 'skip'; result: string }
  | { kind: 'restore'; template: PodTemplateSpec; annotations: Record<string, string> };

/** What rolling the Deployment back to this ReplicaSet changes (nothing when it already matches). */
export function planRollback(d: Readonly<Deployment>, rs: Readonly<ReplicaSet>, toRevision: number): RollbackPlan {
  const name = d.metadata.name ?? '';
  if (d.spec?.paused) {
    throw new Error(`you cannot rollback a paused deployment; resume it first with 'skiff rollout resume deployment/${name}' and try again`);
  }
  if (equalIgnoreHash(rs.spec?.template, d.spec?.template)) {
    return { kind: 'skip', result: `skipped rollback (current template already matches revision ${toRevision})` };
  }
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  for (const [k, v] of Object.entries(rs.metadata.annotations ?? {})) if (!ANNOTATIONS_TO_SKIP.has(k)) annotations[k] = v;
  return { kind: 'restore', template: withoutHash(rs.spec.template), annotations };
}

/** The Deployment with the plan applied (the object to send as an update). */
export function applyRollback(d: Readonly<Deployment>, plan: Extract<RollbackPlan, { kind: 'restore' }>): Deployment {
  const out = structuredClone(d) as Deployment;
  out.spec.template = structuredClone(plan.template);
  if (Object.keys(plan.annotations).length > 0) out.metadata.annotations = { ...plan.annotations };
  else delete out.metadata.annotations;
  return out;
}
