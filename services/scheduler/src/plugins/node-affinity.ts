// NodeAffinity (kube-scheduler plugins/nodeaffinity): the node's labels must carry every
// key=value of the pod's spec.nodeSelector. (Skiff's PodSpec has no `affinity` field yet; when it
// gains one, its required terms belong here too.)

import { FIT, unfit, type FilterPlugin } from '../framework/types.js';

export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

export const NodeAffinity = {
  name: 'NodeAffinity',
  filter(pod, nodeInfo) {
    const labels = nodeInfo.node.metadata.labels ?? {};
    for (const [key, value] of Object.entries(pod.spec.nodeSelector ?? {})) {
      if (!Object.prototype.hasOwnProperty.call(labels, key) || labels[key] !== value) return unfit(ERR_REASON_POD);
    }
    return FIT;
  },
} satisfies FilterPlugin;
