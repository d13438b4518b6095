// For integration tests on the real Docker engine: a kubelet configuration for a throwaway node
// (fast loops, free ports), and the removal of exactly what a node's kubelet left in Docker
// (containers labelled skiff.io/node=<node>, app containers before the sandboxes whose namespaces
// they joined, then its networks).

import { DEFAULT_CONFIG, type KubeletConfig } from '../config.js';
import { LABEL_NODE, LABEL_ROLE } from '../pod/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';

export function dockerTestConfig(nodeName: string, over: Partial<KubeletConfig> = {}): KubeletConfig {
  return {
    ...DEFAULT_CONFIG,
    nodeName,
    port: 0,
    httpPort: 0,
    housekeepingIntervalMs: 500,
    resyncIntervalMs: 2_000,
    nodeStatusUpdateFrequencyMs: 1_000,
    ...over,
  };
}

export async function removeNodeFromDocker(docker: ContainerRuntime, node: string): Promise<void> {
  const mine = await docker.listContainers({ [LABEL_NODE]: node });
  await Promise.all(mine.filter((c) => c.labels[LABEL_ROLE] !== 'infra').map((c) => docker.removeContainer(c.id, { force: true })));
  await Promise.all(mine.filter((c) => c.labels[LABEL_ROLE] === 'infra').map((c) => docker.removeContainer(c.id, { force: true })));
  for (const n of await docker.listNetworks({ [LABEL_NODE]: node })) await docker.removeNetwork(n.id);
}
