// Which addresses belong to this host: kube-proxy serves NodePorts on the InternalIPs of the Nodes
// whose address is local (several kubelets share one machine, each with its own 127.0.0.N), and
// every 127.0.0.0/8 address counts as local since any of them can be bound without configuration.

import os from 'node:os';
import { cidrContains, isIPv4, parseCidr, type Node } from '@skiff/api';

const LOOPBACK = parseCidr('127.0.0.0/8');

/** The IPv4 addresses on this host's interfaces. */
export function hostAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') out.add(a.address);
  return out;
}

export function isLoopback(ip: string): boolean {
  return cidrContains(LOOPBACK, ip);
}

/**
 * The default node addresses: InternalIPs of the Nodes that are local to this host (an address of
 * one of its interfaces, or loopback), plus those of the Node named `hostname` wherever it is.
 * Sorted and de-duplicated.
 */
export function defaultNodeAddresses(nodes: Iterable<Readonly<Node>>, local: ReadonlySet<string>, hostname?: string): string[] {
  const out = new Set<string>();
  for (const node of nodes) {
    for (const a of node.status?.addresses ?? []) {
      if (a.type !== 'InternalIP' || !isIPv4(a.address)) continue;
      if (isLoopback(a.address) || local.has(a.address) || node.metadata.name === hostname) out.add(a.address);
    }
  }
  return [...out].sort();
}
