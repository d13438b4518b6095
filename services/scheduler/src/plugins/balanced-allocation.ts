// NodeResourcesBalancedAllocation (kube-scheduler noderesources/balanced_allocation.go): prefer the
// node whose CPU and memory fractions stay closest to each other once the pod is placed
// (score = (1 - std) * MaxNodeScore; for two resources std = |f_cpu - f_mem| / 2).

import { addResources, podRequests } from '../framework/resources.js';
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework/types.js';

export const BalancedAllocation = {
  name: 'NodeResourcesBalancedAllocation',
  score(pod, nodeInfo) {
    const requested = addResources(nodeInfo.requested, podRequests(pod));
    const fractions: number[] = [];
    for (const [req, alloc] of [
      [requested.milliCpu, nodeInfo.allocatable.milliCpu],
      [requested.memory, nodeInfo.allocatable.memory],
    ] as const) {
      if (alloc > 0) fractions.push(Math.min(1, req / alloc));
    }
    const [a, b] = fractions;
    const std = a !== undefined && b !== undefined ? Math.abs(a - b) / 2 : 0;
    return Math.floor((1 - std) * MAX_NODE_SCORE);
  },
} satisfies ScorePlugin;
