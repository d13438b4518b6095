// host-gw routing (flannel's host-gw backend, in small): every other Node with a pod CIDR whose
// InternalIP is not an address of this host gets `ip route replace <podCIDR> via <InternalIP>`, so
// pods here reach pods there by pod IP; nodes on this host need none (their bridges are local).
// What is wanted and what to change are pure functions; a RouteProgrammer changes the kernel.

import { isIPv4, parseCidr, type Node } from '@skiff/api';

export interface Route {
  /** Canonical CIDR, e.g. 10.244.2.0/24. */
  dst: string;
  via: string;
}

/** The routing table, as far as the kubelet touches it. */
export interface RouteProgrammer {
  /** Routes in the table that carry Skiff's route protocol. */
  list(): Promise<Route[]>;
  /** `ip route replace`: adds, or moves an existing route for `dst` to `via`. */
  replace(route: Route): Promise<void>;
  /** Deletes the route; a missing one is not an error. */
  remove(route: Route): Promise<void>;
}

export function internalIP(node: Readonly<Node>): string | undefined {
  return node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

function canonical(cidr: string): string | undefined {
  try {
    return parseCidr(cidr).text;
  } catch {
    return undefined;
  }
}

/** Routes to the pod CIDRs of the other nodes that are not on this host, by destination. A CIDR two
 *  nodes claim goes to the first by name. */
export function desiredRoutes(nodes: readonly Readonly<Node>[], self: string, isLocal: (ip: string) => boolean): Route[] {
  const byDst = new Map<string, Route>();
  const sorted = [...nodes].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const n of sorted) {
    if (n.metadata.name === self || n.metadata.deletionTimestamp) continue;
    const dst = n.spec?.podCIDR ? canonical(n.spec.podCIDR) : undefined;
    const via = internalIP(n);
    if (dst === undefined || via === undefined || !isIPv4(via) || isLocal(via) || byDst.has(dst)) continue;
    byDst.set(dst, { dst, via });
  }
  return [...byDst.values()].sort((a, b) => a.dst.localeCompare(b.dst));
}

export interface RoutePlan {
  /** Wanted, and not in the table as wanted. */
  replace: Route[];
  /** Made by this kubelet earlier, no longer wanted, and still in the table as it made them. */
  remove: Route[];
}

const same = (a: Route, b: Route): boolean => a.dst === b.dst && a.via === b.via;

/**
 * What to change: `desired` routes, what this kubelet `recorded` programming before, and what the
 * table holds now (`current`). Routes the kubelet did not make are never removed, nor are recorded
 * ones someone else has since changed.
 */
export function planRoutes(desired: readonly Route[], recorded: readonly Route[], current: readonly Route[]): RoutePlan {
  return {
    replace: desired.filter((d) => !current.some((c) => same(c, d))),
    remove: recorded.filter((r) => !desired.some((d) => d.dst === r.dst) && current.some((c) => same(c, r))),
  };
}
