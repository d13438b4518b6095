// Builds the Snapshot one scheduling decision looks at, from nodes and pods as the caches hold
// them (plus the pods the scheduler has assumed on a node but not yet seen bound).

import { objectKey, type Node, type Pod } from '@skiff/api';
import { addResources, isTerminated, nodeAllocatable, podNonZeroRequests, podRequests, ZERO } from './resources.js';
import type { NodeInfo, Snapshot } from './types.js';

export function newNodeInfo(node: Readonly<Node>, pods: readonly Readonly<Pod>[] = []): NodeInfo {
  let requested = ZERO;
  let nonZeroRequested = ZERO;
  for (const p of pods) {
    requested = addResources(requested, podRequests(p));
    nonZeroRequested = addResources(nonZeroRequested, podNonZeroRequests(p));
  }
  return { name: node.metadata.name ?? '', node, pods, requested, nonZeroRequested, allocatable: nodeAllocatable(node) };
}

/**
 * Every node, each with the non-terminated pods bound to it. Pods bound to nodes the snapshot does
 * not know are ignored; a pod appearing twice (cache and assumed) counts once, the first wins.
 */
export function buildSnapshot(nodes: Iterable<Readonly<Node>>, pods: Iterable<Readonly<Pod>>): Snapshot {
  const byNode = new Map<string, Readonly<Pod>[]>();
  const seen = new Set<string>();
  for (const p of pods) {
    const nodeName = p.spec.nodeName;
    if (!nodeName || isTerminated(p)) continue;
    const key = objectKey(p);
    if (seen.has(key)) continue;
    seen.add(key);
    let list = byNode.get(nodeName);
    if (!list) byNode.set(nodeName, (list = []));
    list.push(p);
  }
  const infos = [...nodes]
    .map((n) => newNodeInfo(n, byNode.get(n.metadata.name ?? '') ?? []))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { nodes: infos };
}

/** A new snapshot in which `pod` is bound to `nodeName` (what the scheduler's "assume" does). */
export function assumePod(snapshot: Snapshot, pod: Readonly<Pod>, nodeName: string): Snapshot {
  const bound: Readonly<Pod> = { ...pod, spec: { ...pod.spec, nodeName } };
  return {
    nodes: snapshot.nodes.map((ni) => (ni.name === nodeName ? newNodeInfo(ni.node, [...ni.pods, bound]) : ni)),
  };
}
