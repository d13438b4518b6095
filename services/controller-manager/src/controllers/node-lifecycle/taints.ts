// The taints the node lifecycle controller manages and how pods' tolerations meet them: after
// k8s.io/api core/v1 well_known_taints.go, the condition→taint maps of node_lifecycle_controller.go,
// v1helper.GetMatchingTolerations and tainteviction's getMinTolerationTime.

import type { Condition, Taint, Toleration } from '@skiff/api';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

export const UNREACHABLE_NO_EXECUTE: Readonly<Taint> = { key: TAINT_UNREACHABLE, effect: 'NoExecute' };
export const NOT_READY_NO_EXECUTE: Readonly<Taint> = { key: TAINT_NOT_READY, effect: 'NoExecute' };

/** Which condition in which status means which NoSchedule taint (TaintNodesByCondition). */
const CONDITION_TAINTS: Record<string, Partial<Record<Condition['status'], string>>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: TAINT_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_PID_PRESSURE },
};

/** The NoSchedule taint keys this controller owns: the condition taints and the cordon taint. */
const OWNED_NO_SCHEDULE = new Set([TAINT_UNSCHEDULABLE, ...Object.values(CONDITION_TAINTS).flatMap((m) => Object.values(m))]);

/** Same key and effect (what makes a taint unique on a node). */
export function sameTaint(a: Readonly<Taint>, b: Readonly<Taint>): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function taintExists(taints: readonly Readonly<Taint>[] | undefined, taint: Readonly<Taint>): boolean {
  return (taints ?? []).some((t) => sameTaint(t, taint));
}

/** The NoSchedule taints a node should carry for its conditions and `spec.unschedulable`. */
export function desiredNoScheduleTaints(conditions: readonly Condition[] | undefined, unschedulable: boolean | undefined): Taint[] {
  const keys: string[] = [];
  for (const c of conditions ?? []) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) keys.push(key);
  }
  if (unschedulable) keys.push(TAINT_UNSCHEDULABLE);
  return keys.map((key) => ({ key, effect: 'NoSchedule' }));
}

/** The node's taints that this controller manages with NoSchedule effect. */
export function ownedNoScheduleTaints(taints: readonly Readonly<Taint>[] | undefined): Readonly<Taint>[] {
  return (taints ?? []).filter((t) => t.effect === 'NoSchedule' && OWNED_NO_SCHEDULE.has(t.key));
}

/**
 * `taints` with `add` put in (stamped `timeAdded`, replacing one of the same key and effect) and
 * `remove` taken out; undefined when that changes nothing.
 */
export function swapTaints(taints: readonly Readonly<Taint>[] | undefined, add: readonly Readonly<Taint>[], remove: readonly Readonly<Taint>[], timeAdded: string): Taint[] | undefined {
  const current = taints ?? [];
  const adding = add.filter((t) => !taintExists(current, t));
  const removing = remove.filter((t) => taintExists(current, t) && !taintExists(add, t));
  if (adding.length === 0 && removing.length === 0) return undefined;
  const kept = current.filter((t) => !taintExists(removing, t));
  return [...kept, ...adding.map((t) => ({ ...t, timeAdded }))];
}

export function noExecuteTaints(taints: readonly Readonly<Taint>[] | undefined): Readonly<Taint>[] {
  return (taints ?? []).filter((t) => t.effect === 'NoExecute');
}

/** ToleratesTaint: an empty effect or key (with Exists) matches all; Exists ignores the value; no operator means Equal. */
function tolerates(t: Readonly<Toleration>, taint: Readonly<Taint>): boolean {
  const op = t.operator || 'Equal';
  return (!t.effect || t.effect === taint.effect) && (!t.key || t.key === taint.key) && (op === 'Exists' || (op === 'Equal' && (t.value ?? '') === (taint.value ?? '')));
}

/** Whether every taint is tolerated, and the tolerations that did it (GetMatchingTolerations). */
export function matchingTolerations(taints: readonly Readonly<Taint>[], tolerations: readonly Readonly<Toleration>[] | undefined): { allTolerated: boolean; used: Readonly<Toleration>[] } {
  const used: Readonly<Toleration>[] = [];
  for (const taint of taints) {
    const match = (tolerations ?? []).find((t) => tolerates(t, taint));
    if (!match) return { allTolerated: false, used: [] };
    used.push(match);
  }
  return { allTolerated: true, used };
}

/**
 * How long the tolerations let a pod stay (getMinTolerationTime): the least `tolerationSeconds`
 * in ms, 0 for none given or one ≤ 0, and Infinity when none bounds it.
 */
export function minTolerationMs(used: readonly Readonly<Toleration>[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds * 1000);
  }
  return min;
}
