// Round robin over a backend's ready endpoints, skipping the ones a request already failed on (as
// nginx's proxy_next_upstream moves to the next upstream server).

import type { Endpoint } from './endpoints.js';

export const endpointId = (ep: Endpoint): string => `${ep.ip}:${ep.port}`;

export class EndpointPicker {
  private readonly next = new Map<string, number>();

  /** The next endpoint of `backend` not in `exclude` (endpoint ids), or undefined when none is left. */
  pick(backend: string, endpoints: readonly Endpoint[], exclude?: ReadonlySet<string>): Endpoint | undefined {
    const n = endpoints.length;
    if (n === 0) return undefined;
    const start = (this.next.get(backend) ?? 0) % n;
    for (let i = 0; i < n; i++) {
      const idx = (start + i) % n;
      const ep = endpoints[idx];
      if (ep && !exclude?.has(endpointId(ep))) {
        this.next.set(backend, (idx + 1) % n);
        return ep;
      }
    }
    return undefined;
  }
}
