// A ReplicaSet's status from the pods it owns, after Kubernetes' calculateStatus
// (pkg/controller/replicaset/replica_set_utils.go).

import { nowRFC3339, selectorFromLabelSelector, type Condition, type Pod, type ReplicaSet, type ReplicaSetStatus } from '@skiff/api';
import { isPodReady, msUntilAvailable } from './pod-utils.js';

export interface StatusResult {
  status: ReplicaSetStatus;
  /** Ms until the next ready pod becomes available (minReadySeconds), if one is waiting. */
  requeueAfterMs?: number;
}

/** `activePods`: the active pods the ReplicaSet owns (after adoption and release). */
export function calculateStatus(rs: Readonly<ReplicaSet>, activePods: readonly Readonly<Pod>[], now: number): StatusResult {
  const templateLabels = selectorFromLabelSelector({ matchLabels: rs.spec.template.metadata?.labels ?? {} });
  const minReadySeconds = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  let requeueAfterMs: number | undefined;
  for (const pod of activePods) {
    if (templateLabels.matches(pod.metadata.labels)) fullyLabeled++;
    if (!isPodReady(pod)) continue;
    ready++;
    const wait = msUntilAvailable(pod, minReadySeconds, now);
    if (wait === 0) available++;
    else if (wait !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Number.POSITIVE_INFINITY, wait);
  }
  const status: ReplicaSetStatus = {
    replicas: activePods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
  };
  if (rs.metadata.generation !== undefined) status.observedGeneration = rs.metadata.generation;
  const conditions = rs.status?.conditions;
  if (conditions && conditions.length > 0) status.conditions = conditions.map((c) => ({ ...c }));
  return requeueAfterMs === undefined ? { status } : { status, requeueAfterMs };
}

export const REPLICA_FAILURE = 'ReplicaFailure';

/**
 * Sets the `ReplicaFailure` condition when creating or deleting pods failed, and clears it once a
 * sync manages replicas without error (Kubernetes keeps an existing condition's transition time).
 */
export function withReplicaFailure(
  status: ReplicaSetStatus,
  failure: { reason: 'FailedCreate' | 'FailedDelete'; message: string } | undefined,
  now: number,
): ReplicaSetStatus {
  const others = (status.conditions ?? []).filter((c) => c.type !== REPLICA_FAILURE);
  const existing = status.conditions?.find((c) => c.type === REPLICA_FAILURE);
  const next: ReplicaSetStatus = { ...status };
  delete next.conditions;
  if (failure) {
    const cond: Condition =
      existing && existing.status === 'True' && existing.reason === failure.reason
        ? existing
        : { type: REPLICA_FAILURE, status: 'True', reason: failure.reason, message: failure.message, lastTransitionTime: nowRFC3339(new Date(now)) };
    next.conditions = [...others, cond];
  } else if (others.length > 0) {
    next.conditions = others;
  }
  return next;
}

function conditionsEqual(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length !== y.length) return false;
  return x.every((c, i) => {
    const d = y[i];
    return d !== undefined && c.type === d.type && c.status === d.status && c.reason === d.reason && c.message === d.message;
  });
}

/** Whether writing `next` would change what the object says (absent counters read as 0). */
export function statusChanged(current: Readonly<ReplicaSetStatus> | undefined, next: Readonly<ReplicaSetStatus>): boolean {
  const c = current ?? { replicas: 0 };
  return (
    (c.replicas ?? 0) !== next.replicas ||
    (c.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0) ||
    (c.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (c.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    c.observedGeneration !== next.observedGeneration ||
    !conditionsEqual(c.conditions, next.conditions)
  );
}
