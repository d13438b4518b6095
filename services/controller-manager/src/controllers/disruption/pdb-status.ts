// The arithmetic of a PodDisruptionBudget's status, after pkg/controller/disruption/disruption.go:
// how many pods are expected and must stay healthy, how many are, which recorded disruptions still
// count, and the DisruptionAllowed condition. Pure, so every rule is tested without informers.

import { isDeepStrictEqual } from 'node:util';
import { nowRFC3339, type Condition, type Pod, type PodDisruptionBudget } from '@skiff/api';
import { isPodReady } from '../replicaset/pod-utils.js';

/** A pod the eviction subresource allowed to be disrupted counts as gone for this long (DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

export type PdbStatus = NonNullable<PodDisruptionBudget['status']>;

/**
 * intstr.GetScaledValueFromIntOrPercent: a number as is, "N%" of `total` (rounded up or down).
 * Anything else throws.
 */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage: "${value}"`);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** Whether the budget's expected count is its pods' controllers' scale rather than the pods counted. */
export function usesControllerScale(pdb: Readonly<PodDisruptionBudget>): boolean {
  return pdb.spec.maxUnavailable !== undefined || typeof pdb.spec.minAvailable === 'string';
}

/**
 * getExpectedPodCount: with an integer minAvailable the matching pods are expected and minAvailable
 * must be healthy; with a percentage minAvailable or any maxUnavailable, `scale` (the sum of the
 * controllers' replicas) is expected, and percentages round up.
 */
export function expectedAndDesired(pdb: Readonly<PodDisruptionBudget>, podCount: number, scale: number): { expectedCount: number; desiredHealthy: number } {
  const { minAvailable, maxUnavailable } = pdb.spec;
  if (maxUnavailable !== undefined) {
    return { expectedCount: scale, desiredHealthy: Math.max(0, scale - scaledValue(maxUnavailable, scale, true)) };
  }
  if (typeof minAvailable === 'number') return { expectedCount: podCount, desiredHealthy: minAvailable };
  if (typeof minAvailable === 'string') return { expectedCount: scale, desiredHealthy: scaledValue(minAvailable, scale, true) };
  return { expectedCount: 0, desiredHealthy: 0 };
}

/**
 * buildDisruptedPodMap: the recorded disruptions that still count (pod there, not yet being deleted,
 * recorded less than DELETION_TIMEOUT_MS ago), those that ran out without a deletion, and when to
 * look again.
 */
export function liveDisruptions(
  pods: readonly Readonly<Pod>[],
  disruptedPods: Readonly<Record<string, string>> | undefined,
  now: number,
): { disrupted: Record<string, string>; expired: string[]; recheckAt: number | undefined } {
  const disrupted: Record<string, string> = {};
  const expired: string[] = [];
  let recheckAt: number | undefined;
  if (!disruptedPods) return { disrupted, expired, recheckAt };
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    const at = disruptedPods[name];
    if (pod.metadata.deletionTimestamp || at === undefined) continue;
    const due = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (Number.isNaN(due) || due <= now) {
      expired.push(name);
      continue;
    }
    disrupted[name] = at;
    recheckAt = recheckAt === undefined ? due : Math.min(recheckAt, due);
  }
  return { disrupted, expired, recheckAt };
}

/** countHealthyPods: Ready, not being deleted, and not just allowed to be disrupted. */
export function countHealthy(pods: readonly Readonly<Pod>[], disrupted: Readonly<Record<string, string>>, now: number): number {
  return pods.filter((pod) => {
    if (pod.metadata.deletionTimestamp) return false;
    const at = disrupted[pod.metadata.name ?? ''];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now) return false;
    return isPodReady(pod);
  }).length;
}

/** apimeta.SetStatusCondition: the transition time moves only when the status does. */
export function setCondition(conditions: readonly Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: number): Condition[] {
  const prev = conditions?.find((c) => c.type === next.type);
  const lastTransitionTime = prev && prev.status === next.status && prev.lastTransitionTime ? prev.lastTransitionTime : nowRFC3339(new Date(now));
  const cond: Condition = { ...next, lastTransitionTime };
  return prev ? (conditions ?? []).map((c) => (c === prev ? cond : c)) : [...(conditions ?? []), cond];
}

export interface PdbCounts {
  currentHealthy: number;
  desiredHealthy: number;
  expectedCount: number;
  disrupted: Record<string, string>;
}

/** updatePdbStatus: the new status (disruptionsAllowed is 0 while no pod is expected). */
export function pdbStatus(pdb: Readonly<PodDisruptionBudget>, counts: PdbCounts, now: number): PdbStatus {
  const { currentHealthy, desiredHealthy, expectedCount, disrupted } = counts;
  const disruptionsAllowed = expectedCount <= 0 ? 0 : Math.max(0, currentHealthy - desiredHealthy);
  const status: PdbStatus = {
    observedGeneration: pdb.metadata.generation ?? 0,
    currentHealthy,
    desiredHealthy,
    disruptionsAllowed,
    expectedPods: expectedCount,
    conditions: setCondition(
      pdb.status?.conditions,
      disruptionsAllowed > 0 ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' } : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' },
      now,
    ),
  };
  if (Object.keys(disrupted).length > 0) status.disruptedPods = disrupted;
  return status;
}

/** failSafe: no disruptions allowed, and why (everything else as it was). */
export function failSafeStatus(pdb: Readonly<PodDisruptionBudget>, error: string, now: number): PdbStatus {
  const prev: PdbStatus = pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
  return {
    ...prev,
    disruptionsAllowed: 0,
    conditions: setCondition(prev.conditions, { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: error }, now),
  };
}

export function statusChanged(pdb: Readonly<PodDisruptionBudget>, next: PdbStatus): boolean {
  return !isDeepStrictEqual(pdb.status ?? {}, next);
}
