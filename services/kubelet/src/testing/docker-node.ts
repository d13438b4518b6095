// For integration tests on the real Docker engine: a kubelet configuration for a throwaway node
// (fast loops, free ports), free address blocks for its pod network, and the removal of exactly
// what a node's kubelet left behind (containers labelled skiff.io/node=<node>, app containers before
// the sandboxes whose namespaces they joined, then its networks and its iptables rules).

import { randomInt } from 'node:crypto';
import { cidrsOverlap, parseCidr } from '@skiff/api';
import { DEFAULT_CONFIG, type KubeletConfig } from '../config.js';
import { removeNodeNetworkRules } from '../network/firewall.js';
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

/** A random block of `prefix` bits inside 10.160.0.0/11 that no Docker network on this engine overlaps
 *  (tests running at the same time pick at random, so they rarely meet). */
export async function freeCidr(docker: ContainerRuntime, prefix: 16 | 24): Promise<string> {
  const taken = (await docker.listNetworks({})).flatMap((n) => (n.subnet ? [parseCidr(n.subnet)] : []));
  for (let attempt = 0; attempt < 100; attempt++) {
    const second = 160 + randomInt(32);
    const cidr = prefix === 16 ? `10.${second}.0.0/16` : `10.${second}.${randomInt(256)}.0/24`;
    if (!taken.some((t) => cidrsOverlap(t, parseCidr(cidr)))) return cidr;
  }
  throw new Error('no free address block in 10.160.0.0/11 for a test network');
}

export async function removeNodeFromDocker(docker: ContainerRuntime, node: string): Promise<void> {
  const mine = await docker.listContainers({ [LABEL_NODE]: node });
  await Promise.all(mine.filter((c) => c.labels[LABEL_ROLE] !== 'infra').map((c) => docker.removeContainer(c.id, { force: true })));
  await Promise.all(mine.filter((c) => c.labels[LABEL_ROLE] === 'infra').map((c) => docker.removeContainer(c.id, { force: true })));
  for (const n of await docker.listNetworks({ [LABEL_NODE]: node })) await docker.removeNetwork(n.id);
  await removeNodeNetworkRules(node);
}
