import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, type Eviction, type KubeObject, type Node, type Pod } from '@skiff/api';
import type { WriteOptions } from '@skiff/client';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { FakeContext, recordingIo } from '../../testing/fake-context.js';
import { aggregateMessage, runDrain, type DrainFlags } from './drain.js';
import type { DrainClock } from './evict.js';

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

/** A FakeApi with a pods/eviction subresource the test steers, and a clock whose sleeps only advance time. */
class Cluster {
  readonly fake = new FakeApi();
  /** Pod name → how many more evictions of it are refused (429). */
  readonly refusals = new Map<string, number>();
  /** Evicted pods are deleted at once (the kubelet done); false leaves them terminating. */
  finishAtOnce = true;
  readonly evictions: Eviction[] = [];
  readonly sleeps: number[] = [];
  private t = 1_000_000;
  /** Runs at each sleep (after time moved on). */
  onSleep: (() => Promise<void>) | undefined;

  readonly clock: DrainClock = {
    now: () => this.t,
    sleep: async (ms) => {
      this.sleeps.push(ms);
      this.t += ms;
      await this.onSleep?.();
    },
  };

  readonly ctx = new FakeContext({
    get: this.fake.get.bind(this.fake),
    list: this.fake.list.bind(this.fake),
    patch: this.fake.patch.bind(this.fake),
    update: this.fake.update.bind(this.fake),
    delete: this.fake.delete.bind(this.fake),
    create: async <T extends KubeObject>(resource: string, obj: T, opts: WriteOptions = {}): Promise<T> => {
      if (opts.subresource !== 'eviction') return this.fake.create(resource, obj, opts);
      const ev = obj as unknown as Eviction;
      this.evictions.push(ev);
      const name = ev.metadata.name ?? '';
      const left = this.refusals.get(name) ?? 0;
      if (left > 0) {
        this.refusals.set(name, left - 1);
        throw new ApiError('TooManyRequests', VIOLATION);
      }
      await this.fake.delete('pods', ev.metadata.namespace ?? '', name, this.finishAtOnce ? { gracePeriodSeconds: 0 } : {});
      return { apiVersion: 'v1', kind: 'Status', metadata: {} } as unknown as T;
    },
  });

  async node(name: string, unschedulable = false): Promise<void> {
    await this.fake.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: unschedulable ? { unschedulable } : {} });
  }

  async pod(name: string, node: string, owned = true): Promise<void> {
    await this.fake.create<Pod>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', ...(owned ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs', controller: true }] } : {}) },
      spec: { containers: [{ name: 'c', image: 'i' }], nodeName: node },
    });
  }

  async podNames(): Promise<string[]> {
    return (await this.fake.list<Pod>('pods', { namespace: 'default' })).items.map((p) => p.metadata.name ?? '').sort();
  }

  async unschedulable(name: string): Promise<boolean> {
    return (await this.fake.get<Node>('nodes', '', name)).spec?.unschedulable === true;
  }
}

const flags = (over: Partial<DrainFlags> = {}): DrainFlags => ({ gracePeriod: -1, skipWaitForDeleteTimeout: 0, ...over });

async function cluster(): Promise<Cluster> {
  const c = new Cluster();
  await c.node('n1');
  await c.node('n2');
  await c.pod('web-1', 'n1');
  await c.pod('web-2', 'n1');
  await c.pod('web-3', 'n2');
  return c;
}

test('drain cordons, evicts every pod of the node, waits for them, and says so as kubectl does', async () => {
  const c = await cluster();
  const io = recordingIo();
  assert.equal(await runDrain(c.ctx, io, ['n1'], flags(), c.clock), 0);
  assert.equal(io.stdout, ['node/n1 cordoned', 'evicting pod default/web-1', 'evicting pod default/web-2', 'pod/web-1 evicted', 'pod/web-2 evicted', 'node/n1 drained', ''].join('\n'));
  assert.equal(io.stderr, '');
  assert.equal(await c.unschedulable('n1'), true);
  assert.equal(await c.unschedulable('n2'), false);
  assert.deepEqual(await c.podNames(), ['web-3']);
  assert.deepEqual(c.evictions[0], { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-1', namespace: 'default' } });
});

test('an eviction a disruption budget refuses is retried every 5 s until it goes through', async () => {
  const c = await cluster();
  c.refusals.set('web-1', 2);
  const io = recordingIo();
  assert.equal(await runDrain(c.ctx, io, ['n1'], flags({ gracePeriod: 10 }), c.clock), 0);
  const retry = `error when evicting pods/"web-1" -n "default" (will retry after 5s): ${VIOLATION}\n`;
  assert.equal(io.stderr, retry + retry);
  assert.equal(io.stdout.match(/^evicting pod default\/web-1$/gm)?.length, 3);
  assert.match(io.stdout, /^pod\/web-1 evicted\nnode\/n1 drained\n$/m);
  assert.deepEqual(c.sleeps, [5000, 5000]);
  assert.deepEqual(c.evictions.at(-1)?.deleteOptions, { gracePeriodSeconds: 10 });
  assert.deepEqual(await c.podNames(), ['web-3']);
});

test('--timeout ends the retries: the node is reported pending and the command fails', async () => {
  const c = await cluster();
  c.refusals.set('web-1', 1000);
  const io = recordingIo();
  await assert.rejects(runDrain(c.ctx, io, ['n1'], flags({ timeout: '12s' }), c.clock), (e: Error) => {
    assert.equal(e.message, 'error: error when evicting pods/"web-1" -n "default": global timeout reached: 12s');
    return true;
  });
  assert.match(io.stderr, /There are pending pods in node "n1" when an error occurred: error when evicting pods\/"web-1" -n "default": global timeout reached: 12s\npod\/web-1\n/);
  assert.match(io.stderr, /error: unable to drain node "n1", aborting command\.\.\.\n\nThere are pending nodes to be drained:\n n1\n$/);
  assert.deepEqual(c.sleeps, [5000, 5000, 5000]);
  assert.deepEqual(await c.podNames(), ['web-1', 'web-3'], 'web-2 was evicted, web-1 held by its budget');
});

test('a pod no controller owns stops the drain before any eviction unless --force', async () => {
  const c = await cluster();
  await c.pod('bare', 'n1', false);
  const io = recordingIo();
  await assert.rejects(runDrain(c.ctx, io, ['n1'], flags(), c.clock), /^CliError: error: cannot delete Pods that declare no controller \(use --force to override\): default\/bare$/);
  assert.equal(io.stdout, 'node/n1 cordoned\n');
  assert.equal(c.evictions.length, 0);

  const forced = recordingIo();
  assert.equal(await runDrain(c.ctx, forced, ['n1'], flags({ force: true }), c.clock), 0);
  assert.equal(forced.stderr, 'Warning: deleting Pods that declare no controller: default/bare\n');
  assert.match(forced.stdout, /^node\/n1 already cordoned\n/);
  assert.match(forced.stdout, /^pod\/bare evicted$/m);
  assert.deepEqual(await c.podNames(), ['web-3']);
});

test('an evicted pod is waited for until it is gone', async () => {
  const c = await cluster();
  c.finishAtOnce = false;
  let polls = 0;
  c.onSleep = async () => {
    if (++polls === 3) for (const name of ['web-1', 'web-2']) await c.fake.delete('pods', 'default', name, { gracePeriodSeconds: 0 });
  };
  const io = recordingIo();
  assert.equal(await runDrain(c.ctx, io, ['n1'], flags(), c.clock), 0);
  assert.ok(c.sleeps.length >= 3 && c.sleeps.every((ms) => ms === 1000), String(c.sleeps));
  assert.match(io.stdout, /^pod\/web-1 evicted$/m);
  assert.match(io.stdout, /^pod\/web-2 evicted$/m);
  assert.match(io.stdout, /evicted\nnode\/n1 drained\n$/);
});

test('--disable-eviction deletes instead (no budget asked): `pod/x deleted`', async () => {
  const c = await cluster();
  c.refusals.set('web-1', 1000);
  const io = recordingIo();
  assert.equal(await runDrain(c.ctx, io, ['n1'], flags({ disableEviction: true, gracePeriod: 0 }), c.clock), 0);
  assert.equal(c.evictions.length, 0);
  assert.equal(io.stdout, 'node/n1 cordoned\npod/web-1 deleted\npod/web-2 deleted\nnode/n1 drained\n');
});

test('--dry-run=client changes nothing and says what would be done', async () => {
  const c = await cluster();
  const io = recordingIo();
  assert.equal(await runDrain(c.ctx, io, ['n1'], flags({ dryRun: 'client' }), c.clock), 0);
  assert.equal(io.stdout, 'node/n1 cordoned (dry run)\nevicting pod default/web-1 (dry run)\nevicting pod default/web-2 (dry run)\nnode/n1 drained (dry run)\n');
  assert.equal(await c.unschedulable('n1'), false);
  assert.equal(c.evictions.length, 0);
});

test('a missing node fails before anything changes; no node at all is a usage error', async () => {
  const c = await cluster();
  await assert.rejects(runDrain(c.ctx, recordingIo(), ['n1', 'nope'], flags(), c.clock), (e: ApiError) => e.reason === 'NotFound');
  assert.equal(await c.unschedulable('n1'), false);
  await assert.rejects(runDrain(c.ctx, recordingIo(), [], flags(), c.clock), /error: USAGE: drain NODE \[flags\]/);
});

test('errors aggregate as Go prints them', () => {
  assert.equal(aggregateMessage(['a']), 'a');
  assert.equal(aggregateMessage(['a', 'b', 'a']), '[a, b]');
});
