// NodeResourcesFit (kube-scheduler plugins/noderesources/fit.go): the pod's CPU and memory requests
// must fit in the node's allocatable minus what the pods already there request, and the node must
// have room for one more pod. Every shortage is reported, as Kubernetes does.

import { podRequests } from '../framework/resources.js';
import { FIT, unfit, type FilterPlugin } from '../framework/types.js';

export const ERR_REASON_TOO_MANY_PODS = 'Too many pods';
export const ERR_REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
export const ERR_REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';

export const NodeResourcesFit = {
  name: 'NodeResourcesFit',
  filter(pod, nodeInfo) {
    const reasons: string[] = [];
    if (nodeInfo.pods.length + 1 > nodeInfo.allocatable.pods) reasons.push(ERR_REASON_TOO_MANY_PODS);
    const req = podRequests(pod);
    if (req.milliCpu > 0 && nodeInfo.allocatable.milliCpu < req.milliCpu + nodeInfo.requested.milliCpu) {
      reasons.push(ERR_REASON_INSUFFICIENT_CPU);
    }
    if (req.memory > 0 && nodeInfo.allocatable.memory < req.memory + nodeInfo.requested.memory) {
      reasons.push(ERR_REASON_INSUFFICIENT_MEMORY);
    }
    const [first, ...more] = reasons;
    return first === undefined ? FIT : unfit(first, ...more);
  },
} satisfies FilterPlugin;
