// Scheduling one pod is a pure function from a snapshot to a decision (Nomad's shape, with
// kube-scheduler's framework inside): run the filters on every node, score the nodes that pass,
// take the best. When none passes, the answer is Kubernetes' FitError message.

import type { Pod } from '@skiff/api';
import type { Snapshot } from './framework/types.js';
import { DEFAULT_PROFILE, type Profile } from './profile.js';

export type ScheduleResult =
  | { readonly node: string; readonly feasibleNodes: number }
  | {
      readonly unschedulable: string;
      /** Why each node was rejected, by node name. */
      readonly nodeReasons: ReadonlyMap<string, readonly string[]>;
    };

export interface ScheduleOptions {
  profile?: Profile;
  /** Breaks ties between equally scored nodes (kube-scheduler picks one at random); default: the first by name. */
  random?: () => number;
}

/** ErrNoNodesAvailable in kube-scheduler. */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/**
 * FitError.Error() (pkg/scheduler/framework/types.go): `0/N nodes are available: ` then each reason
 * with the number of nodes that gave it (`2 Insufficient memory`), sorted as strings, joined with
 * `, `, and a final `.`. (Kubernetes appends ` preemption: ...` from its PostFilter; Skiff has no
 * preemption and omits it.)
 */
export function fitErrorMessage(numAllNodes: number, nodeReasons: Iterable<readonly string[]>): string {
  const histogram = new Map<string, number>();
  for (const reasons of nodeReasons) {
    for (const r of reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
  }
  const parts = [...histogram].map(([reason, count]) => `${count} ${reason}`).sort();
  return `0/${numAllNodes} nodes are available: ${parts.join(', ')}.`;
}

export function schedulePod(pod: Readonly<Pod>, snapshot: Snapshot, opts: ScheduleOptions = {}): ScheduleResult {
  const profile = opts.profile ?? DEFAULT_PROFILE;
  if (snapshot.nodes.length === 0) return { unschedulable: NO_NODES_AVAILABLE, nodeReasons: new Map() };

  const feasible = [];
  const nodeReasons = new Map<string, readonly string[]>();
  for (const nodeInfo of snapshot.nodes) {
    let rejected = false;
    for (const f of profile.filters) {
      const res = f.filter(pod, nodeInfo);
      if (!res.ok) {
        nodeReasons.set(nodeInfo.name, res.reasons);
        rejected = true;
        break;
      }
    }
    if (!rejected) feasible.push(nodeInfo);
  }

  const [only, ...others] = feasible;
  if (only === undefined) return { unschedulable: fitErrorMessage(snapshot.nodes.length, nodeReasons.values()), nodeReasons };
  if (others.length === 0) return { node: only.name, feasibleNodes: 1 };

  // Score: weighted sum over plugins; among the best, kube-scheduler picks uniformly at random.
  let best: string[] = [];
  let bestScore = -Infinity;
  for (const nodeInfo of feasible) {
    let total = 0;
    for (const { plugin, weight } of profile.scores) total += weight * plugin.score(pod, nodeInfo, snapshot);
    if (total > bestScore) {
      bestScore = total;
      best = [nodeInfo.name];
    } else if (total === bestScore) best.push(nodeInfo.name);
  }
  const pick = opts.random ? Math.min(best.length - 1, Math.floor(opts.random() * best.length)) : 0;
  return { node: best[pick] ?? only.name, feasibleNodes: feasible.length };
}
