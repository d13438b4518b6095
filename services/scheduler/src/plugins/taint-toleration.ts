// TaintToleration (kube-scheduler plugins/tainttoleration): a NoSchedule or NoExecute taint the pod
// does not tolerate keeps it off the node (PreferNoSchedule only matters for scoring, which Skiff
// does not do for taints yet).

import { findUntoleratedTaint } from '../framework/tolerations.js';
import { FIT, unfit, type FilterPlugin } from '../framework/types.js';

export const TaintToleration = {
  name: 'TaintToleration',
  filter(pod, nodeInfo) {
    const taint = findUntoleratedTaint(
      nodeInfo.node.spec?.taints,
      pod.spec.tolerations,
      (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute',
    );
    return taint === undefined ? FIT : unfit(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
  },
} satisfies FilterPlugin;
