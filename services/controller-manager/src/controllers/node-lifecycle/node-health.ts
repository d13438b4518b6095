// What the node lifecycle controller remembers of each node's health, after
// node_lifecycle_controller.go's nodeHealthMap and tryUpdateNodeHealth: the controller's own time
// of the node's last sign of life (a new Ready heartbeat or a renewed Lease), so that clock skew
// between kubelets and the controller does not matter, and the Ready condition last seen.

import { findCondition, type Condition, type Lease, type Node } from '@skiff/api';

export interface NodeHealth {
  /** Controller time (ms) of the last sign of life. */
  probeTimestamp: number;
  /** Controller time (ms) the Ready condition was last seen to change. */
  readyTransitionTimestamp: number;
  /** The Ready condition as last seen (or as this controller last wrote it). */
  ready: Condition | undefined;
  /** The node Lease's renewTime as last seen. */
  leaseRenewTime: string | undefined;
}

/** The conditions a silent node's kubelet is responsible for (NetworkUnavailable is not). */
export const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

function instant(rfc3339: string | undefined): number {
  const t = rfc3339 ? Date.parse(rfc3339) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
}

export class NodeHealthMap {
  private readonly health = new Map<string, NodeHealth>();

  get(name: string): Readonly<NodeHealth> | undefined {
    return this.health.get(name);
  }

  delete(name: string): void {
    this.health.delete(name);
  }

  /** Restarts every node's grace period (on leaving full disruption). */
  resetProbes(now: number): void {
    for (const h of this.health.values()) h.probeTimestamp = h.readyTransitionTimestamp = now;
  }

  /** Records the Ready condition this controller wrote, so its own write is not taken for a heartbeat. */
  wrote(name: string, ready: Condition | undefined, now: number): void {
    const h = this.health.get(name);
    if (h) Object.assign(h, { ready, readyTransitionTimestamp: now });
  }

  /**
   * Takes in what the caches show of the node and its Lease at controller time `now`, and returns
   * its health: the probe time moves when the Ready condition carries a new heartbeat, when it
   * appears or disappears, and when the Lease was renewed.
   */
  observe(node: Readonly<Node>, lease: Readonly<Lease> | undefined, now: number): Readonly<NodeHealth> {
    const name = node.metadata.name ?? '';
    const ready = findCondition(node.status?.conditions, 'Ready');
    let h = this.health.get(name);
    const saved = h?.ready;
    if (!h) {
      // Never seen: a node that never posted status counts from its creation, others from now.
      const created = instant(node.metadata.creationTimestamp);
      const since = ready || !Number.isFinite(created) ? now : created;
      h = { probeTimestamp: since, readyTransitionTimestamp: since, ready, leaseRenewTime: undefined };
    } else if (!saved !== !ready) {
      h = { probeTimestamp: now, readyTransitionTimestamp: now, ready, leaseRenewTime: h.leaseRenewTime };
    } else if (saved && ready && saved.lastHeartbeatTime !== ready.lastHeartbeatTime) {
      const transition = saved.lastTransitionTime !== ready.lastTransitionTime ? now : h.readyTransitionTimestamp;
      h = { probeTimestamp: now, readyTransitionTimestamp: transition, ready, leaseRenewTime: h.leaseRenewTime };
    } else {
      h = { ...h, ready };
    }
    const renewTime = lease?.spec.renewTime;
    if (lease && (h.leaseRenewTime === undefined || instant(h.leaseRenewTime) < instant(renewTime))) {
      h.leaseRenewTime = renewTime ?? '';
      h.probeTimestamp = now;
    }
    this.health.set(name, h);
    return h;
  }
}

/**
 * The kubelet's conditions of a node that stopped posting status, all `Unknown`: existing ones keep
 * their heartbeat and get reason `NodeStatusUnknown`; missing ones are added as never updated.
 */
export function unknownConditions(node: Readonly<Node>, nowIso: string): Condition[] {
  const conditions = (node.status?.conditions ?? []).map((c) => ({ ...c }));
  for (const type of KUBELET_CONDITIONS) {
    const cur = conditions.find((c) => c.type === type);
    if (!cur) {
      const since = node.metadata.creationTimestamp ?? nowIso;
      conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: since, lastTransitionTime: nowIso });
    } else if (cur.status !== 'Unknown') {
      Object.assign(cur, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: nowIso });
    }
  }
  return conditions;
}
