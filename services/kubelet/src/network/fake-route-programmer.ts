// An in-memory routing table for unit tests: `routes()` shows what is programmed, `failNext`
// makes the next change fail, `replaced`/`removed` count the changes.

import type { Route, RouteProgrammer } from './routes.js';

export class FakeRouteProgrammer implements RouteProgrammer {
  private readonly table = new Map<string, Route>();
  private failures: Error[] = [];
  replaced = 0;
  removed = 0;

  constructor(initial: readonly Route[] = []) {
    for (const r of initial) this.table.set(r.dst, { ...r });
  }

  routes(): Route[] {
    return [...this.table.values()].sort((a, b) => a.dst.localeCompare(b.dst));
  }

  failNext(e = new Error('ip route: Nexthop has invalid gateway')): void {
    this.failures.push(e);
  }

  async list(): Promise<Route[]> {
    return this.routes();
  }

  async replace(route: Route): Promise<void> {
    this.check();
    this.replaced++;
    this.table.set(route.dst, { ...route });
  }

  async remove(route: Route): Promise<void> {
    this.check();
    const r = this.table.get(route.dst);
    if (r && r.via === route.via) {
      this.table.delete(route.dst);
      this.removed++;
    }
  }

  private check(): void {
    const e = this.failures.shift();
    if (e) throw e;
  }
}
