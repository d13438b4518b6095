// A Deployment's status and conditions, after Kubernetes' deployment/sync.go (calculateStatus),
// progress.go (syncRolloutStatus, requeueStuckDeployment) and deployment_util.go (conditions,
// DeploymentComplete, DeploymentProgressing, DeploymentTimedOut). Pure: `now` is passed in.

import { isDeepStrictEqual } from 'node:util';
import { nowRFC3339, type Condition, type DeploymentStatus, type ReplicaSet } from '@skiff/api';
import { hasProgressDeadline, maxUnavailable, type DefaultedDeployment } from './fenceposts.js';
import { sumActual, sumAvailable, sumReady, sumReplicas } from './replica-sets.js';

/** apps/v1 DeploymentCondition: a condition that also says when it was last updated. */
export interface DeploymentCondition extends Condition {
  lastUpdateTime?: string;
}

export const AVAILABLE = 'Available';
export const PROGRESSING = 'Progressing';
export const REPLICA_FAILURE = 'ReplicaFailure';

export const REASONS = {
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
  newReplicaSetCreated: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  replicaSetUpdated: 'ReplicaSetUpdated',
  newReplicaSetAvailable: 'NewReplicaSetAvailable',
  progressDeadlineExceeded: 'ProgressDeadlineExceeded',
  replicaSetCreateError: 'ReplicaSetCreateError',
  deploymentPaused: 'DeploymentPaused',
  deploymentResumed: 'DeploymentResumed',
} as const;

export function newCondition(type: string, status: Condition['status'], reason: string, message: string, now: number): DeploymentCondition {
  const t = nowRFC3339(new Date(now));
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(status: Readonly<DeploymentStatus> | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: replaces the condition of that type unless one with the same status and
 * reason is there already; keeps lastTransitionTime while the status does not change.
 */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status && current.lastTransitionTime !== undefined) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length > 0) status.conditions = rest;
  else delete status.conditions;
}

/** calculateStatus: counts from the ReplicaSets, and the Available condition. */
export function calculateStatus(allRSs: readonly (Readonly<ReplicaSet> | undefined)[], newRS: Readonly<ReplicaSet> | undefined, d: Readonly<DefaultedDeployment>, now: number): DeploymentStatus {
  const available = sumAvailable(allRSs);
  const total = sumReplicas(allRSs);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: sumActual(allRSs),
    updatedReplicas: sumActual([newRS]),
    readyReplicas: sumReady(allRSs),
    availableReplicas: available,
    // More available than desired (while scaling down) is not negative unavailability.
    unavailableReplicas: Math.max(0, total - available),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (d.status?.conditions?.length) status.conditions = d.status.conditions.map((c) => ({ ...c }));
  if (available >= d.spec.replicas - maxUnavailable(d)) {
    setCondition(status, newCondition(AVAILABLE, 'True', REASONS.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition(AVAILABLE, 'False', REASONS.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** Every desired replica is updated and available, no old one runs, and this generation is seen. */
export function deploymentComplete(d: Readonly<DefaultedDeployment>, s: Readonly<DeploymentStatus>): boolean {
  const n = d.spec.replicas;
  return (s.updatedReplicas ?? 0) === n && (s.replicas ?? 0) === n && (s.availableReplicas ?? 0) === n && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** Progress since the status `d` carries: more updated, fewer old, more ready or more available. */
export function deploymentProgressing(d: Readonly<DefaultedDeployment>, s: Readonly<DeploymentStatus>): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

function ms(time: string | undefined): number | undefined {
  const t = time ? Date.parse(time) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/** No progress reported for progressDeadlineSeconds since the Progressing condition's lastUpdateTime. */
export function deploymentTimedOut(d: Readonly<DefaultedDeployment>, s: Readonly<DeploymentStatus>, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(s, PROGRESSING);
  if (!cond) return false;
  // A finished rollout is not judged again until a new one starts.
  if (cond.reason === REASONS.newReplicaSetAvailable) return false;
  if (cond.reason === REASONS.progressDeadlineExceeded) return true;
  const from = ms(cond.lastUpdateTime);
  return from !== undefined && from + d.spec.progressDeadlineSeconds * 1000 < now;
}

/** ReplicaFailure conditions of the RSs, the new one's first (getReplicaFailures). */
function replicaFailure(allRSs: readonly (Readonly<ReplicaSet> | undefined)[], newRS: Readonly<ReplicaSet> | undefined): DeploymentCondition | undefined {
  const failureOf = (rs: Readonly<ReplicaSet> | undefined): Condition | undefined => rs?.status?.conditions?.find((c) => c.type === REPLICA_FAILURE);
  const c = failureOf(newRS) ?? allRSs.map(failureOf).find((x) => x !== undefined);
  if (!c) return undefined;
  const out: DeploymentCondition = { type: c.type, status: c.status };
  if (c.lastTransitionTime !== undefined) {
    out.lastUpdateTime = c.lastTransitionTime;
    out.lastTransitionTime = c.lastTransitionTime;
  }
  if (c.reason !== undefined) out.reason = c.reason;
  if (c.message !== undefined) out.message = c.message;
  return out;
}

export interface RolloutStatus {
  status: DeploymentStatus;
  /** When to look again for the progress deadline, if the rollout can still time out. */
  requeueAfterMs?: number;
}

/**
 * syncRolloutStatus: the status during a rollout, with the Progressing condition estimated from
 * the progress since the last status (complete, progressing, or timed out after the deadline),
 * and the ReplicaSets' ReplicaFailure carried over.
 */
export function rolloutStatus(allRSs: readonly (Readonly<ReplicaSet> | undefined)[], newRS: Readonly<ReplicaSet> | undefined, d: Readonly<DefaultedDeployment>, now: number): RolloutStatus {
  const status = calculateStatus(allRSs, newRS, d, now);
  const deadline = hasProgressDeadline(d);
  if (!deadline) removeCondition(status, PROGRESSING);
  const current = getCondition(d.status, PROGRESSING);
  const isComplete = status.replicas === status.updatedReplicas && current?.reason === REASONS.newReplicaSetAvailable;
  if (deadline && !isComplete) {
    const subject = newRS ? `ReplicaSet "${newRS.metadata.name ?? ''}"` : `Deployment "${d.metadata.name ?? ''}"`;
    if (deploymentComplete(d, status)) {
      setCondition(status, newCondition(PROGRESSING, 'True', REASONS.newReplicaSetAvailable, `${subject} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, status)) {
      // Progress refreshes lastUpdateTime even with the same reason: that is what the deadline counts from.
      const cond = newCondition(PROGRESSING, 'True', REASONS.replicaSetUpdated, `${subject} is progressing.`, now);
      if (current?.status === 'True' && current.lastTransitionTime !== undefined) cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, PROGRESSING);
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      setCondition(status, newCondition(PROGRESSING, 'False', REASONS.progressDeadlineExceeded, `${subject} has timed out progressing.`, now));
    }
  }
  const failure = replicaFailure(allRSs, newRS);
  if (failure) setCondition(status, failure);
  else removeCondition(status, REPLICA_FAILURE);

  const result: RolloutStatus = { status };
  const wait = progressCheckAfter(d, status, now);
  if (wait !== undefined) result.requeueAfterMs = wait;
  return result;
}

/**
 * requeueStuckDeployment: a rollout that has not finished nor timed out is looked at again when its
 * deadline would pass (lastUpdateTime + progressDeadlineSeconds, plus a second against skew).
 */
export function progressCheckAfter(d: Readonly<DefaultedDeployment>, status: Readonly<DeploymentStatus>, now: number): number | undefined {
  const cond = getCondition(status, PROGRESSING);
  if (!hasProgressDeadline(d) || !cond) return undefined;
  if (deploymentComplete(d, status) || cond.reason === REASONS.progressDeadlineExceeded) return undefined;
  // Paused: no deadline runs until it is resumed.
  if (d.spec.paused || cond.reason === REASONS.deploymentPaused) return undefined;
  const from = ms(cond.lastUpdateTime);
  if (from === undefined) return undefined;
  return Math.max(0, from + d.spec.progressDeadlineSeconds * 1000 - now) + 1000;
}

const COUNTERS = ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const;

/** Plain JSON with absent counters read as 0 (Kubernetes omits zero counters). */
function normalized(s: Readonly<DeploymentStatus> | undefined): unknown {
  const out = JSON.parse(JSON.stringify(s ?? {})) as Record<string, unknown>;
  for (const k of COUNTERS) out[k] ??= 0;
  return out;
}

/** Whether writing `next` changes what the Deployment says. */
export function statusChanged(current: Readonly<DeploymentStatus> | undefined, next: Readonly<DeploymentStatus>): boolean {
  return !isDeepStrictEqual(normalized(current), normalized(next));
}
