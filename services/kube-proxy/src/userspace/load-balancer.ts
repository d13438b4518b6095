// Endpoint choice for userspace mode, after Kubernetes' old pkg/proxy/userspace/roundrobin.go
// (LoadBalancerRR): round robin over the ready endpoints; with ClientIP affinity a client keeps
// its endpoint while it is still ready and the client was seen within the timeout. `candidates`
// lists the endpoints in the order to try, so a failed connect moves on to the next one.

import type { Clock } from '@skiff/machinery';
import { endpointString, type EndpointInfo } from '../endpoints.js';

interface Affinity {
  endpoint: string;
  lastUsed: number;
}

export class RoundRobin {
  private endpoints: readonly EndpointInfo[] = [];
  private next = 0;
  private readonly affinity = new Map<string, Affinity>();
  private stickyMs: number | undefined;

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  /** Replaces the endpoints (kept in the order given) and the affinity timeout (undefined: none). */
  update(endpoints: readonly EndpointInfo[], stickySeconds: number | undefined): void {
    const changed = endpoints.length !== this.endpoints.length || endpoints.some((e, i) => endpointString(e) !== endpointString(this.endpoints[i] as EndpointInfo));
    this.endpoints = endpoints;
    if (changed) this.next = 0;
    this.stickyMs = stickySeconds === undefined ? undefined : stickySeconds * 1000;
    if (this.stickyMs === undefined) this.affinity.clear();
    const live = new Set(endpoints.map(endpointString));
    for (const [client, a] of this.affinity) if (!live.has(a.endpoint)) this.affinity.delete(client);
  }

  size(): number {
    return this.endpoints.length;
  }

  /** Every endpoint once, in the order to try for this client (its affine endpoint first). */
  candidates(clientIP: string | undefined): EndpointInfo[] {
    const n = this.endpoints.length;
    if (n === 0) return [];
    const start = this.next % n;
    this.next = (start + 1) % n;
    const order = [...this.endpoints.slice(start), ...this.endpoints.slice(0, start)];
    if (this.stickyMs === undefined || clientIP === undefined) return order;
    const a = this.affinity.get(clientIP);
    if (!a) return order;
    if (this.clock.now() - a.lastUsed > this.stickyMs) {
      this.affinity.delete(clientIP);
      return order;
    }
    const i = order.findIndex((e) => endpointString(e) === a.endpoint);
    if (i <= 0) return order;
    return [order[i] as EndpointInfo, ...order.slice(0, i), ...order.slice(i + 1)];
  }

  /** Records that `clientIP` was served by `endpoint` (for ClientIP affinity). */
  served(clientIP: string | undefined, endpoint: EndpointInfo): void {
    if (this.stickyMs === undefined || clientIP === undefined) return;
    this.affinity.set(clientIP, { endpoint: endpointString(endpoint), lastUsed: this.clock.now() });
  }
}
