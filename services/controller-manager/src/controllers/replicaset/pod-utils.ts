// Facts about pods the ReplicaSet controller decides on, after Kubernetes'
// pkg/api/v1/pod (IsPodReady, IsPodAvailable) and pkg/controller/controller_utils.go
// (IsPodActive, ActivePodsWithRanks).

import { findCondition, type Pod } from '@skiff/api';

/** Not terminating and not finished: it counts towards a ReplicaSet's replicas. */
export function isPodActive(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function isPodReady(pod: Readonly<Pod>): boolean {
  return findCondition(pod.status?.conditions, 'Ready')?.status === 'True';
}

/** When the pod last became Ready (ms since epoch), or undefined if it is not ready. */
export function podReadySince(pod: Readonly<Pod>): number | undefined {
  const c = findCondition(pod.status?.conditions, 'Ready');
  if (c?.status !== 'True') return undefined;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Milliseconds until a ready pod becomes available (ready for `minReadySeconds`): 0 when it is
 * available now, undefined when it is not ready at all.
 */
export function msUntilAvailable(pod: Readonly<Pod>, minReadySeconds: number, now: number): number | undefined {
  if (!isPodReady(pod)) return undefined;
  if (minReadySeconds <= 0) return 0;
  const since = podReadySince(pod);
  // Ready with no transition time: Kubernetes cannot tell how long, so it is not available yet.
  if (since === undefined) return minReadySeconds * 1000;
  return Math.max(0, since + minReadySeconds * 1000 - now);
}

export function isPodAvailable(pod: Readonly<Pod>, minReadySeconds: number, now: number): boolean {
  return msUntilAvailable(pod, minReadySeconds, now) === 0;
}

function maxRestarts(pod: Readonly<Pod>): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((s) => s.restartCount));
}

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

function deletionCost(pod: Readonly<Pod>): number {
  const n = Number(pod.metadata.annotations?.[DELETION_COST] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function created(pod: Readonly<Pod>): number {
  const t = pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : NaN;
  // No timestamp sorts as the newest (Kubernetes: "empty creation time pods < newer pods < older pods").
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/**
 * Orders pods most-deletable first, as Kubernetes' ActivePodsWithRanks: unscheduled before
 * scheduled, Pending < Unknown < Running, not ready before ready, lower pod-deletion-cost first,
 * more pods of the set on the same node (higher rank) first, ready more recently first, more
 * container restarts first, newer first. Ties break on name so the order is deterministic.
 */
export function comparePodsForDeletion(a: Readonly<Pod>, b: Readonly<Pod>, rankA = 0, rankB = 0): number {
  const nodeA = a.spec.nodeName ?? '';
  const nodeB = b.spec.nodeName ?? '';
  if (nodeA !== nodeB && (nodeA === '' || nodeB === '')) return nodeA === '' ? -1 : 1;
  const phaseA = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
  const phaseB = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  const costA = deletionCost(a);
  const costB = deletionCost(b);
  if (costA !== costB) return costA - costB;
  if (rankA !== rankB) return rankB - rankA;
  if (readyA && readyB) {
    const sinceA = podReadySince(a) ?? Number.POSITIVE_INFINITY;
    const sinceB = podReadySince(b) ?? Number.POSITIVE_INFINITY;
    if (sinceA !== sinceB) return sinceB > sinceA ? 1 : -1;
  }
  const restartsA = maxRestarts(a);
  const restartsB = maxRestarts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  const createdA = created(a);
  const createdB = created(b);
  if (createdA !== createdB) return createdB > createdA ? 1 : -1;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/**
 * The `count` pods to delete first, ranked by how many of `related` (active pods of the same set)
 * share each pod's node, so scale-down evens out pods across nodes.
 */
export function podsToDelete(pods: readonly Readonly<Pod>[], related: readonly Readonly<Pod>[], count: number): Readonly<Pod>[] {
  if (count <= 0) return [];
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec.nodeName ?? '';
    onNode.set(node, (onNode.get(node) ?? 0) + 1);
  }
  const rank = (p: Readonly<Pod>): number => onNode.get(p.spec.nodeName ?? '') ?? 0;
  return [...pods].sort((a, b) => comparePodsForDeletion(a, b, rank(a), rank(b))).slice(0, count);
}
