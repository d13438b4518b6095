// SelectorSpread (kube-scheduler's former plugins/selectorspread, now the default constraints of
// PodTopologySpread): prefer the node running the fewest pods of the same controller (ReplicaSet,
// ...), so replicas spread over nodes: score = MaxNodeScore * (max - count) / max, where max is the
// highest count on any node. A pod without a controller scores every node the same.

import { controllerOf, type Pod } from '@skiff/api';
import { MAX_NODE_SCORE, type NodeInfo, type ScorePlugin, type Snapshot } from '../framework/types.js';

function countSiblings(ownerUid: string, namespace: string | undefined, nodeInfo: NodeInfo): number {
  let n = 0;
  for (const p of nodeInfo.pods) {
    // Terminating pods are on their way out: they do not count (as in the original plugin).
    if (p.metadata.deletionTimestamp || p.metadata.namespace !== namespace) continue;
    if (controllerOf(p)?.uid === ownerUid) n++;
  }
  return n;
}

const maxCounts = new WeakMap<Snapshot, Map<string, number>>();

function maxCount(ownerUid: string, namespace: string | undefined, snapshot: Snapshot): number {
  let perOwner = maxCounts.get(snapshot);
  if (!perOwner) maxCounts.set(snapshot, (perOwner = new Map()));
  const key = `${namespace ?? ''}/${ownerUid}`;
  let max = perOwner.get(key);
  if (max === undefined) {
    max = 0;
    for (const ni of snapshot.nodes) max = Math.max(max, countSiblings(ownerUid, namespace, ni));
    perOwner.set(key, max);
  }
  return max;
}

export const SelectorSpread = {
  name: 'SelectorSpread',
  score(pod: Readonly<Pod>, nodeInfo: NodeInfo, snapshot: Snapshot) {
    const owner = controllerOf(pod);
    if (!owner) return MAX_NODE_SCORE;
    const max = maxCount(owner.uid, pod.metadata.namespace, snapshot);
    if (max === 0) return MAX_NODE_SCORE;
    const count = countSiblings(owner.uid, pod.metadata.namespace, nodeInfo);
    return Math.floor((MAX_NODE_SCORE * (max - count)) / max);
  },
} satisfies ScorePlugin;
