// A pod's QoS class (pkg/apis/core/helper/qos), which the apiserver records in status.qosClass when
// the pod is created.

import { cpuMillis, memoryBytes } from './quantity.js';
import type { PodSpec } from './types.js';

export function qosClass(spec: PodSpec): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = spec.containers ?? [];
  const any = containers.some((c) => Object.keys(c.resources?.requests ?? {}).length + Object.keys(c.resources?.limits ?? {}).length > 0);
  if (!any) return 'BestEffort';
  const guaranteed = containers.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = c.resources?.requests ?? {};
    return (
      l.cpu !== undefined &&
      l.memory !== undefined &&
      cpuMillis(r.cpu ?? l.cpu) === cpuMillis(l.cpu) &&
      memoryBytes(r.memory ?? l.memory) === memoryBytes(l.memory)
    );
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
