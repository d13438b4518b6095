// NodeResourcesLeastAllocated (kube-scheduler noderesources/least_allocated.go, the default scoring
// strategy of NodeResourcesFit): prefer the node with the most room left once the pod is placed,
// averaged over CPU and memory with equal weights. Uses the non-zero requests, so pods without
// requests still spread.

import { addResources, podNonZeroRequests } from '../framework/resources.js';
import { MAX_NODE_SCORE, type ScorePlugin } from '../framework/types.js';

/** ((capacity - requested) * MaxNodeScore) / capacity, in integers; 0 when it does not fit. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity <= 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export const LeastAllocated = {
  name: 'NodeResourcesLeastAllocated',
  score(pod, nodeInfo) {
    const requested = addResources(nodeInfo.nonZeroRequested, podNonZeroRequests(pod));
    const cpu = leastRequestedScore(requested.milliCpu, nodeInfo.allocatable.milliCpu);
    const memory = leastRequestedScore(requested.memory, nodeInfo.allocatable.memory);
    return Math.floor((cpu + memory) / 2);
  },
} satisfies ScorePlugin;
