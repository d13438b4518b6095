// Which informer updates matter to scheduling, after kube-scheduler's eventhandlers.go
// (nodeSchedulingPropertiesChange) and isPodUpdated: heartbeats and status writes must not send
// every parked pod back through the filters.

import type { Condition, Node, Pod } from '@skiff/api';

function conditionStatuses(conditions: readonly Condition[] | undefined): string {
  return JSON.stringify((conditions ?? []).map((c) => [c.type, c.status]).sort());
}

/** True when a node change could let a rejected pod fit: labels, taints, cordon, allocatable, condition statuses. */
export function nodeSchedulingPropertiesChanged(old: Readonly<Node>, cur: Readonly<Node>): boolean {
  return (
    JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {}) ||
    JSON.stringify(old.spec?.taints ?? []) !== JSON.stringify(cur.spec?.taints ?? []) ||
    (old.spec?.unschedulable ?? false) !== (cur.spec?.unschedulable ?? false) ||
    JSON.stringify(old.status?.allocatable ?? {}) !== JSON.stringify(cur.status?.allocatable ?? {}) ||
    conditionStatuses(old.status?.conditions) !== conditionStatuses(cur.status?.conditions)
  );
}

/** True when the pod itself changed in a way scheduling could care about: anything but status and resourceVersion. */
export function podSchedulingChanged(old: Readonly<Pod>, cur: Readonly<Pod>): boolean {
  const strip = (p: Readonly<Pod>): string => {
    const { resourceVersion: _rv, generation: _g, ...meta } = p.metadata;
    return JSON.stringify([meta, p.spec]);
  };
  return strip(old) !== strip(cur);
}
