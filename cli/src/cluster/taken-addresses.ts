// What a new cluster's addresses must not collide with, gathered from this machine: Docker
// networks (Docker refuses overlapping subnets), the host's interface addresses and routes (a pod
// network over them would break the host's own traffic; a userspace kube-proxy's ClusterIPs sit on
// lo), the clusters recorded under this SKIFF_HOME and the machine-wide claims of the others.

import { execFile } from 'node:child_process';
import os from 'node:os';
import { isIPv4, parseCidr, type Cidr } from '@skiff/api';
import type { DockerNetwork } from './docker-cleanup.js';
import type { TakenAddresses, TakenCidr } from './network-plan.js';

/**
 * The IPv4 blocks of this host's interfaces; lo's 127/8 is left out, other lo addresses count as
 * /32. Interfaces named in `ignore` (by label, e.g. `lo:SK1B84`, where a userspace kube-proxy puts
 * its ClusterIPs) are left out.
 */
export function interfaceCidrs(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>, ignore: ReadonlySet<string> = new Set()): TakenCidr[] {
  const out: TakenCidr[] = [];
  for (const [name, addrs] of Object.entries(interfaces)) {
    if (ignore.has(name)) continue;
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' || a.address.startsWith('127.')) continue;
      const cidr = a.internal ? `${a.address}/32` : (a.cidr ?? `${a.address}/32`);
      out.push({ cidr, owner: `interface ${name} (${a.address})` });
    }
  }
  return out;
}

/** Destinations of `ip -4 route show` (the default route and malformed lines are skipped). */
export function routeCidrs(text: string): TakenCidr[] {
  const out: TakenCidr[] = [];
  for (const line of text.split('\n')) {
    const dest = line.trim().split(/\s+/)[0] ?? '';
    if (dest === '' || dest === 'default') continue;
    const cidr = dest.includes('/') ? dest : `${dest}/32`;
    try {
      parseCidr(cidr);
    } catch {
      continue;
    }
    out.push({ cidr, owner: `a route of this host (${line.trim()})` });
  }
  return out;
}

/** The IPv4 subnets of Docker networks not made by `ownNodes` (a cluster's own networks may stay behind). */
export function dockerCidrs(networks: readonly DockerNetwork[], ownNodes: readonly string[]): TakenCidr[] {
  const out: TakenCidr[] = [];
  for (const n of networks) {
    if (n.node !== undefined && ownNodes.includes(n.node)) continue;
    for (const s of n.subnets) if (isIPv4(s.split('/')[0] ?? '')) out.push({ cidr: s, owner: `Docker network ${n.name}` });
  }
  return out;
}

function ipRoutes(): Promise<string> {
  return new Promise((resolve) => {
    execFile('ip', ['-4', 'route', 'show'], { timeout: 5_000 }, (err, stdout) => resolve(err ? '' : stdout));
  });
}

function within(inner: Cidr, outer: Cidr): boolean {
  return inner.base >= outer.base && inner.base + inner.size <= outer.base + outer.size;
}

/** The blocks not inside any of `subnets` (a cluster's own bridges and their routes are no conflict). */
export function outside(cidrs: readonly TakenCidr[], subnets: readonly string[]): TakenCidr[] {
  const own = subnets.flatMap((s) => {
    try {
      return [parseCidr(s)];
    } catch {
      return [];
    }
  });
  return cidrs.filter((t) => {
    try {
      const c = parseCidr(t.cidr);
      return !own.some((o) => within(c, o));
    } catch {
      return true;
    }
  });
}

/** The host's interfaces and routes, now, but for the interfaces named in `ignore`. */
export async function hostCidrs(ignore: ReadonlySet<string> = new Set()): Promise<TakenCidr[]> {
  return [...interfaceCidrs(os.networkInterfaces(), ignore), ...routeCidrs(await ipRoutes())];
}

export function mergeTaken(...parts: readonly TakenAddresses[]): TakenAddresses {
  return {
    cidrs: parts.flatMap((p) => p.cidrs),
    nodeAddressPrefixes: [...new Set(parts.flatMap((p) => p.nodeAddressPrefixes))],
    chainPrefixes: [...new Set(parts.flatMap((p) => p.chainPrefixes))],
  };
}
