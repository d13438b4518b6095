// The ReplicaSet controller's decision, as a pure function of the ReplicaSet, the pods in its
// namespace and the time: which orphans to adopt, which owned pods to release, how many pods to
// create, which to delete, and the status to report. The executor in replicaset-controller.ts
// applies it; this file never talks to the API.
//
// Follows Kubernetes' syncReplicaSet / claimPods (controller_ref_manager.go ClaimObject) /
// manageReplicas / calculateStatus.

import { selectorFromLabelSelector, type OwnerReference, type Pod, type ReplicaSet, type ReplicaSetStatus } from '@skiff/api';
import { claimObjects } from '../../controller-ref-manager.js';
import { isPodActive, podsToDelete } from './pod-utils.js';
import { calculateStatus } from './replicaset-status.js';

/** Kubernetes' BurstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;

export interface ReplicaSetPlan {
  /** Orphans to adopt (add our controller ownerReference). */
  adopt: Readonly<Pod>[];
  /** Pods we own that no longer match the selector (remove our ownerReference). */
  release: Readonly<Pod>[];
  /** Active pods owned after adoption and release: what the replica count is made of. */
  owned: Readonly<Pod>[];
  /** Pods to create from the template. */
  create: number;
  /** Pods to delete, most deletable first. */
  delete: Readonly<Pod>[];
  status: ReplicaSetStatus;
  /** When to look again (minReadySeconds pending), if at all. */
  requeueAfterMs?: number;
}

export interface PlanOptions {
  /** False while earlier creates/deletes have not been observed: then no creates or deletes. */
  expectationsSatisfied?: boolean;
  burstReplicas?: number;
}

export function desiredReplicas(rs: Readonly<ReplicaSet>): number {
  return rs.spec.replicas ?? 1;
}

export function controllerRefFor(rs: Readonly<ReplicaSet>): OwnerReference {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    name: rs.metadata.name ?? '',
    uid: rs.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Splits pods by their relation to `rs` (controller-ref-manager's claimObjects): terminating and
 * finished pods stay owned (never released or adopted) but do not count as replicas.
 */
export function claimPods(
  rs: Readonly<ReplicaSet>,
  pods: readonly Readonly<Pod>[],
): { owned: Readonly<Pod>[]; adopt: Readonly<Pod>[]; release: Readonly<Pod>[] } {
  return claimObjects(rs, selectorFromLabelSelector(rs.spec.selector), pods, isPodActive);
}

export function planReplicaSet(rs: Readonly<ReplicaSet>, pods: readonly Readonly<Pod>[], now: number, opts: PlanOptions = {}): ReplicaSetPlan {
  const { owned, adopt, release } = claimPods(rs, pods);
  const active = owned.filter(isPodActive);
  const manage = (opts.expectationsSatisfied ?? true) && rs.metadata.deletionTimestamp === undefined;
  const burst = opts.burstReplicas ?? BURST_REPLICAS;
  const diff = active.length - desiredReplicas(rs);
  let create = 0;
  let toDelete: Readonly<Pod>[] = [];
  if (manage && diff < 0) create = Math.min(-diff, burst);
  if (manage && diff > 0) toDelete = podsToDelete(active, active, Math.min(diff, burst));
  const { status, requeueAfterMs } = calculateStatus(rs, active, now);
  const plan: ReplicaSetPlan = { adopt, release, owned: active, create, delete: toDelete, status };
  if (requeueAfterMs !== undefined) plan.requeueAfterMs = requeueAfterMs;
  return plan;
}
