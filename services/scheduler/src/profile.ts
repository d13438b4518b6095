// A scheduling profile: the filters in the order kube-scheduler runs them (a node's reasons come
// from the first filter that rejects it) and the scores with their weights. Spreading weighs
// double, as PodTopologySpread does in Kubernetes' default profile.

import type { FilterPlugin, WeightedScorePlugin } from './framework/types.js';
import {
  BalancedAllocation,
  LeastAllocated,
  NodeAffinity,
  NodeReady,
  NodeResourcesFit,
  NodeUnschedulable,
  SelectorSpread,
  TaintToleration,
} from './plugins/index.js';

export interface Profile {
  readonly schedulerName: string;
  readonly filters: readonly FilterPlugin[];
  readonly scores: readonly WeightedScorePlugin[];
}

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

export const DEFAULT_PROFILE: Profile = {
  schedulerName: DEFAULT_SCHEDULER_NAME,
  filters: [NodeReady, NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit],
  scores: [
    { plugin: LeastAllocated, weight: 1 },
    { plugin: BalancedAllocation, weight: 1 },
    { plugin: SelectorSpread, weight: 2 },
  ],
};
