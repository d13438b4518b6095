// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: take the lease
// when it is free or expired, renew it every retry period, and give up leading when renewals have
// failed for the renew deadline. Losing the lease stops the leader's work and goes back to waiting,
// so a component survives an apiserver or etcd outage without a restart.

import { isApiError, type Lease } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { RealClock, type Clock } from './clock.js';

export interface LeaderElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineSeconds?: number;
  retryPeriodSeconds?: number;
  clock?: Clock;
  log?: Logger;
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export class LeaderElector {
  private readonly clock: Clock;
  private readonly leaseDuration: number;
  private readonly renewDeadline: number;
  private readonly retryPeriod: number;
  private leading = false;

  constructor(
    private readonly client: Pick<ApiClient, 'get' | 'create' | 'update'>,
    private readonly opts: LeaderElectorOptions,
  ) {
    this.clock = opts.clock ?? new RealClock();
    this.leaseDuration = (opts.leaseDurationSeconds ?? 15) * 1000;
    this.renewDeadline = (opts.renewDeadlineSeconds ?? 10) * 1000;
    this.retryPeriod = (opts.retryPeriodSeconds ?? 2) * 1000;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until the signal aborts; runs `lead` each time leadership is gained. */
  async run(signal: AbortSignal, lead: (leaderSignal: AbortSignal) => Promise<void>): Promise<void> {
    const log = this.opts.log;
    while (!signal.aborted) {
      if (!(await this.tryAcquireOrRenew())) {
        await this.clock.sleep(this.retryPeriod, signal);
        continue;
      }
      log?.info({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity }, 'became leader');
      this.leading = true;
      const leader = new AbortController();
      const stopOnAbort = (): void => leader.abort();
      signal.addEventListener('abort', stopOnAbort, { once: true });
      const work = lead(leader.signal).catch((e: unknown) => {
        log?.error({ err: e instanceof Error ? e.message : String(e) }, 'leader work failed');
        leader.abort();
      });
      let lastRenew = this.clock.now();
      while (!leader.signal.aborted) {
        await this.clock.sleep(this.retryPeriod, leader.signal);
        if (leader.signal.aborted) break;
        if (await this.tryAcquireOrRenew()) lastRenew = this.clock.now();
        else if (this.clock.now() - lastRenew > this.renewDeadline) {
          log?.warn({ lease: this.opts.name }, 'lost leadership');
          leader.abort();
        }
      }
      signal.removeEventListener('abort', stopOnAbort);
      await work;
      this.leading = false;
      if (signal.aborted) await this.release();
    }
  }

  /** One attempt to take or keep the lease. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = this.clock.now();
    const spec = (transitions: number, acquired: string) => ({
      holderIdentity: identity,
      leaseDurationSeconds: this.leaseDuration / 1000,
      acquireTime: acquired,
      renewTime: microTime(now),
      leaseTransitions: transitions,
    });
    try {
      let lease: Lease;
      try {
        lease = await this.client.get<Lease>('leases', namespace, name);
      } catch (e) {
        if (!isApiError(e, 'NotFound')) return false;
        await this.client.create<Lease>('leases', {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: spec(0, microTime(now)),
        });
        return true;
      }
      const holder = lease.spec.holderIdentity;
      const renewed = lease.spec.renewTime ? Date.parse(lease.spec.renewTime) : 0;
      const duration = (lease.spec.leaseDurationSeconds ?? 15) * 1000;
      const mine = holder === identity;
      if (!mine && holder && renewed + duration > now) return false;
      const transitions = (lease.spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
      await this.client.update<Lease>('leases', {
        ...lease,
        spec: spec(transitions, mine && lease.spec.acquireTime ? lease.spec.acquireTime : microTime(now)),
      });
      return true;
    } catch {
      return false;
    }
  }

  /** Gives the lease up on a clean stop so a standby takes over at once. */
  private async release(): Promise<void> {
    try {
      const lease = await this.client.get<Lease>('leases', this.opts.namespace, this.opts.name);
      if (lease.spec.holderIdentity !== this.opts.identity) return;
      await this.client.update<Lease>('leases', { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
    } catch {
      // best effort
    }
  }
}

/**
 * Runs `work` under leader election when `election` is given (a standby waits, a leader that
 * loses the lease stops its work and campaigns again), or directly when it is not
 * (`--leader-elect=false`). Resolves when the signal aborts.
 */
export async function runLeaderElected(
  client: Pick<ApiClient, 'get' | 'create' | 'update'>,
  election: LeaderElectorOptions | undefined,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  if (election === undefined) return work(signal);
  await new LeaderElector(client, election).run(signal, work);
}
