// Resource arithmetic the filters and scores share, following kube-scheduler's
// computePodResourceRequest (noderesources/fit.go) and GetNonzeroRequests (util/pod_resources.go).

import { cpuMillis, memoryBytes, parseQuantity, type Container, type Node, type Pod } from '@skiff/api';
import type { Resources } from './types.js';

/** What scoring assumes for a container that requests no CPU (schedutil.DefaultMilliCPURequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
/** What scoring assumes for a container that requests no memory (schedutil.DefaultMemoryRequest). */
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;
/** The kubelet's default --max-pods, used when a node does not report `pods` allocatable. */
export const DEFAULT_MAX_PODS = 110;

export const ZERO: Resources = { milliCpu: 0, memory: 0 };

/**
 * A container's request for one resource. As the apiserver defaults it in Kubernetes, a resource
 * with a limit but no request requests its limit. undefined when neither is set.
 */
function containerRequest(c: Readonly<Container>, name: 'cpu' | 'memory'): string | undefined {
  return c.resources?.requests?.[name] ?? c.resources?.limits?.[name];
}

/** The pod's requests: the sum over its containers; a container without a request counts 0. */
export function podRequests(pod: Readonly<Pod>): Resources {
  let milliCpu = 0;
  let memory = 0;
  for (const c of pod.spec.containers) {
    milliCpu += cpuMillis(containerRequest(c, 'cpu'));
    memory += memoryBytes(containerRequest(c, 'memory'));
  }
  return { milliCpu, memory };
}

/** As podRequests, but a container that sets no request counts the scoring defaults. */
export function podNonZeroRequests(pod: Readonly<Pod>): Resources {
  let milliCpu = 0;
  let memory = 0;
  for (const c of pod.spec.containers) {
    const cpu = containerRequest(c, 'cpu');
    const mem = containerRequest(c, 'memory');
    milliCpu += cpu === undefined ? DEFAULT_MILLI_CPU_REQUEST : cpuMillis(cpu);
    memory += mem === undefined ? DEFAULT_MEMORY_REQUEST : memoryBytes(mem);
  }
  return { milliCpu, memory };
}

export function addResources(a: Resources, b: Resources): Resources {
  return { milliCpu: a.milliCpu + b.milliCpu, memory: a.memory + b.memory };
}

/** status.allocatable (capacity when a node reports no allocatable). */
export function nodeAllocatable(node: Readonly<Node>): Resources & { pods: number } {
  const list = node.status?.allocatable ?? node.status?.capacity ?? {};
  const pods = parseQuantity(list.pods);
  return {
    milliCpu: cpuMillis(list.cpu),
    memory: memoryBytes(list.memory),
    pods: pods === undefined ? DEFAULT_MAX_PODS : Math.floor(pods),
  };
}

/** Succeeded and Failed pods hold no resources. */
export function isTerminated(pod: Readonly<Pod>): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
