// What the node-failure suite and the failover benchmark share: a controller-manager that notices a
// silent node within seconds rather than the default 40 s, and the reads of a node's state.
//
// `skiff up` cannot pass a component flags (see /work/e2e4-findings.md), so the controller-manager
// is restarted by the harness with `--node-monitor-grace-period` and `--node-monitor-period`
// appended, and the callers wait until the new process holds the leader Lease.

import type { Lease, Node, Taint } from '@skiff/api';
import { findCondition } from '@skiff/api';
import type { Cluster } from './harness.js';
import { waitFor } from './wait-for.js';

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

export interface NodeMonitorSettings {
  /** --node-monitor-grace-period: how long a node may be silent before it is Unknown. */
  gracePeriodSeconds: number;
  /** --node-monitor-period: how often the controller looks. */
  monitorPeriodSeconds: number;
}

/**
 * Kubelets renew their Lease every 10 s (--node-status-update-frequency), so a grace period of 10 s
 * would mark live nodes Unknown whenever a renewal is a little late; 20 s tolerates one late renewal.
 */
export const FAST_NODE_MONITOR: NodeMonitorSettings = { gracePeriodSeconds: 20, monitorPeriodSeconds: 1 };

async function leaderOf(cluster: Cluster): Promise<string | undefined> {
  try {
    return (await cluster.client.get<Lease>('leases', 'kube-system', 'kube-controller-manager')).spec.holderIdentity;
  } catch {
    return undefined;
  }
}

/** Restarts the controller-manager with the given node-monitor flags; resolves once it leads. */
export async function useNodeMonitor(cluster: Cluster, s: NodeMonitorSettings, timeoutMs = 60_000): Promise<void> {
  const cm = cluster.processOf('controller-manager');
  const before = await leaderOf(cluster);
  await cluster.restartProcessWith(cm.name, ['--node-monitor-grace-period', `${s.gracePeriodSeconds}s`, '--node-monitor-period', `${s.monitorPeriodSeconds}s`]);
  await waitFor(
    async () => {
      const holder = await leaderOf(cluster);
      if (!holder || holder === before) throw new Error(`leader Lease held by ${holder ?? 'nobody'} (before the restart: ${before ?? 'nobody'})`);
      return true;
    },
    { timeoutMs, what: `the restarted controller-manager to take the leader Lease (log: ${cm.log})` },
  );
}

/** The node's Ready condition status: True, False, Unknown, or undefined when it has none. */
export function readyStatus(node: Readonly<Node>): string | undefined {
  return findCondition(node.status?.conditions, 'Ready')?.status;
}

export function taintsOf(node: Readonly<Node>): Taint[] {
  return node.spec?.taints ?? [];
}

export function hasTaint(node: Readonly<Node>, key: string, effect: Taint['effect']): boolean {
  return taintsOf(node).some((t) => t.key === key && t.effect === effect);
}
