// NodeUnschedulable (kube-scheduler plugins/nodeunschedulable): a cordoned node (spec.unschedulable)
// takes no new pods, unless the pod tolerates the node.kubernetes.io/unschedulable:NoSchedule taint.

import { FIT, unfit, type FilterPlugin } from '../framework/types.js';
import { TAINT_NODE_UNSCHEDULABLE, tolerationsTolerateTaint } from '../framework/tolerations.js';

export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

export const NodeUnschedulable = {
  name: 'NodeUnschedulable',
  filter(pod, nodeInfo) {
    if (nodeInfo.node.spec?.unschedulable !== true) return FIT;
    const tolerated = tolerationsTolerateTaint(pod.spec.tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
    return tolerated ? FIT : unfit(ERR_REASON_UNSCHEDULABLE);
  },
} satisfies FilterPlugin;
