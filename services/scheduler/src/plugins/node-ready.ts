// NodeReady: a node whose Ready condition is not True takes no new pods. Kubernetes expresses this
// today through the node.kubernetes.io/not-ready (Ready False or missing) and
// node.kubernetes.io/unreachable (Ready Unknown) NoSchedule taints that the node lifecycle
// controller adds; Skiff checks the condition directly, with the wording of the former
// CheckNodeCondition predicate, and lets a pod that tolerates the matching taint through.

import { findCondition } from '@skiff/api';
import { FIT, unfit, type FilterPlugin } from '../framework/types.js';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, tolerationsTolerateTaint } from '../framework/tolerations.js';

export const ERR_REASON_NOT_READY = 'node(s) were not ready';

export const NodeReady = {
  name: 'NodeReady',
  filter(pod, nodeInfo) {
    const ready = findCondition(nodeInfo.node.status?.conditions, 'Ready');
    if (ready?.status === 'True') return FIT;
    const key = ready?.status === 'Unknown' ? TAINT_NODE_UNREACHABLE : TAINT_NODE_NOT_READY;
    return tolerationsTolerateTaint(pod.spec.tolerations, { key, effect: 'NoSchedule' }) ? FIT : unfit(ERR_REASON_NOT_READY);
  },
} satisfies FilterPlugin;
