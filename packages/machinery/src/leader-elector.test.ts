import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type KubeObject, type Lease } from '@skiff/api';
import { FakeClock } from './clock.js';
import { LeaderElector } from './leader-elector.js';

/** One Lease in memory with resourceVersion compare-and-swap, like the apiserver. */
class FakeLeases {
  lease: Lease | undefined;
  rv = 0;
  down = false;
  async get<T extends KubeObject>(): Promise<T> {
    if (this.down) throw new ApiError('ServiceUnavailable', 'down');
    if (!this.lease) throw new ApiError('NotFound', 'leases "x" not found');
    return structuredClone(this.lease) as unknown as T;
  }
  async create<T extends KubeObject>(_r: string, obj: T): Promise<T> {
    if (this.down) throw new ApiError('ServiceUnavailable', 'down');
    if (this.lease) throw new ApiError('AlreadyExists', 'exists');
    this.lease = structuredClone(obj) as unknown as Lease;
    this.lease.metadata.resourceVersion = String(++this.rv);
    return obj;
  }
  async update<T extends KubeObject>(_r: string, obj: T): Promise<T> {
    if (this.down) throw new ApiError('ServiceUnavailable', 'down');
    if (obj.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw new ApiError('Conflict', 'stale');
    this.lease = structuredClone(obj) as unknown as Lease;
    this.lease.metadata.resourceVersion = String(++this.rv);
    return obj;
  }
}

const opts = (identity: string, clock: FakeClock) => ({ namespace: 'kube-system', name: 'kube-scheduler', identity, clock });

test('the first candidate takes a free lease; a second waits while it is renewed', async () => {
  const clock = new FakeClock();
  const leases = new FakeLeases();
  const a = new LeaderElector(leases, opts('a', clock));
  const b = new LeaderElector(leases, opts('b', clock));
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(leases.lease?.spec.holderIdentity, 'a');
  assert.equal(await b.tryAcquireOrRenew(), false);
  clock.advance(10_000);
  assert.equal(await a.tryAcquireOrRenew(), true, 'renew');
  clock.advance(10_000);
  assert.equal(await b.tryAcquireOrRenew(), false, 'a renewed 10 s ago, lease lasts 15 s');
});

test('an expired lease is taken over and counts a transition', async () => {
  const clock = new FakeClock();
  const leases = new FakeLeases();
  const a = new LeaderElector(leases, opts('a', clock));
  const b = new LeaderElector(leases, opts('b', clock));
  await a.tryAcquireOrRenew();
  clock.advance(16_000);
  assert.equal(await b.tryAcquireOrRenew(), true);
  assert.equal(leases.lease?.spec.holderIdentity, 'b');
  assert.equal(leases.lease?.spec.leaseTransitions, 1);
});

test('the leader stops leading when renewals fail past the deadline, and leads again later', async () => {
  const clock = new FakeClock();
  const leases = new FakeLeases();
  const a = new LeaderElector(leases, opts('a', clock));
  const ac = new AbortController();
  let terms = 0;
  let current: AbortSignal | undefined;
  const done = a.run(ac.signal, async (leader) => {
    terms++;
    current = leader;
    await new Promise<void>((r) => leader.addEventListener('abort', () => r(), { once: true }));
  });
  const flush = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  await flush();
  assert.equal(terms, 1);
  leases.down = true;
  for (let i = 0; i < 6; i++) {
    clock.advance(2_000);
    await flush();
  }
  assert.equal(current?.aborted, true, 'leadership given up after the renew deadline');
  assert.equal(a.isLeader(), false);
  leases.down = false;
  clock.advance(2_000);
  await flush();
  assert.equal(terms, 2, 'leads again once the lease can be renewed');
  ac.abort();
  await done;
  assert.equal(leases.lease?.spec.holderIdentity, '', 'released on a clean stop');
});
