// What `rollout status` says about a Deployment, after kubectl's DeploymentStatusViewer
// (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go): once the controller has observed the
// latest spec, the rollout is waiting for new replicas to be created, for old ones to go away, or
// for the updated ones to become available; it fails once the Progressing condition says the
// progress deadline was exceeded.

import { findCondition, type Deployment, type Pod } from '@skiff/api';
import { revisionOf } from './replica-sets.js';

export const PROGRESS_DEADLINE_EXCEEDED = 'ProgressDeadlineExceeded';

export interface RolloutStatus {
  /** One line, ending in a newline, as kubectl prints it. */
  message: string;
  done: boolean;
}

/** A rollout that cannot succeed any more (kubectl returns these as errors). */
export class RolloutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RolloutError';
  }
}

/**
 * The status of the Deployment's rollout. `revision` > 0 pins the rollout to that revision: a
 * Deployment at another revision is an error. Throws RolloutError when the deadline was exceeded.
 */
export function deploymentRolloutStatus(d: Readonly<Deployment>, revision = 0): RolloutStatus {
  const name = d.metadata.name ?? '';
  if (revision > 0) {
    const current = revisionOf(d);
    if (current === undefined) throw new RolloutError(`cannot get the revision of deployment "${name}"`);
    if (current !== revision) throw new RolloutError(`desired revision (${revision}) is different from the running revision (${current})`);
  }
  const status = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (status.observedGeneration ?? 0)) {
    const progressing = findCondition(status.conditions, 'Progressing');
    if (progressing?.reason === PROGRESS_DEADLINE_EXCEEDED) throw new RolloutError(`deployment "${name}" exceeded its progress deadline`);
    const updated = status.updatedReplicas ?? 0;
    const replicas = status.replicas ?? 0;
    const available = status.availableReplicas ?? 0;
    const desired = d.spec?.replicas;
    const waiting = `Waiting for deployment "${name}" rollout to finish: `;
    if (desired !== undefined && updated < desired) {
      return { message: `${waiting}${updated} out of ${desired} new replicas have been updated...\n`, done: false };
    }
    if (replicas > updated) {
      return { message: `${waiting}${replicas - updated} old replicas are pending termination...\n`, done: false };
    }
    if (available < updated) {
      return { message: `${waiting}${available} of ${updated} updated replicas are available...\n`, done: false };
    }
    return { message: `deployment "${name}" successfully rolled out\n`, done: true };
  }
  return { message: 'Waiting for deployment spec update to be observed...\n', done: false };
}

/** Waiting reasons kubectl points out while a rollout waits (plus Skiff's ErrImageNeverPull). */
const WARN_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'ErrImageNeverPull', 'CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError']);

/** The first thing among the Deployment's pods that explains a stuck rollout (kubectl's appendWarning). */
export function podWarning(pods: readonly Pod[]): string | undefined {
  for (const pod of pods) {
    for (const c of pod.status?.conditions ?? []) {
      if (c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable') return c.message ?? '';
    }
    for (const cs of pod.status?.containerStatuses ?? []) {
      const waiting = cs.state?.waiting;
      if (waiting?.reason && WARN_REASONS.has(waiting.reason)) return `${waiting.reason} - ${waiting.message ?? ''}`;
    }
  }
  return undefined;
}

/** A waiting message with a pod's warning appended, as kubectl prints it. */
export function withWarning(status: RolloutStatus, warning: string | undefined): RolloutStatus {
  if (status.done || warning === undefined) return status;
  return { ...status, message: `${status.message.trim()} (Warning: ${warning})\n` };
}
