import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGone, type ApiError } from '@skiff/api';
import { EtcdStorage } from './etcd-storage.js';
import type { StorageEvent } from './storage.js';
import { startTestEtcd } from './test-etcd.js';
import { startTcpProxy } from './fault-proxy.js';
import { WatchCache } from './watch-cache.js';

const PODS = '/registry/pods/';

/** Polls `predicate` until it holds or `ms` pass. */
async function until(predicate: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function eventually<T>(fn: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function record(cache: WatchCache, from: number): { events: StorageEvent[]; errors: ApiError[]; close(): void } {
  const events: StorageEvent[] = [];
  const errors: ApiError[] = [];
  const handle = cache.watch(from, (e) => events.push(...e), (e) => errors.push(e));
  return { events, errors, close: () => handle.close() };
}

describe('WatchCache on etcd', () => {
  it('keeps its client watches through an etcd restart', async () => {
    const etcd = await startTestEtcd();
    const storage = new EtcdStorage({ endpoints: [etcd.endpoint] });
    const cache = new WatchCache(storage, PODS);
    try {
      await cache.start();
      const w = record(cache, cache.revision());
      const r1 = await storage.create('/registry/pods/ns/a', 'v1');
      await until(() => w.events.length === 1, 'the first event');

      await etcd.kill();
      await etcd.restart();
      const r2 = await eventually(() => storage.update('/registry/pods/ns/a', 'v2', r1));
      await until(() => w.events.length === 2, 'the event after the restart');
      assert.deepEqual(w.events.map((e) => [e.value, e.modRevision]), [['v1', r1], ['v2', r2]]);
      assert.deepEqual(w.errors, []);
      assert.equal(cache.stats().restarts, 0);
      w.close();
    } finally {
      await cache.stop();
      await storage.close();
      await etcd.stop();
    }
  });

  it('expires its client watches and restarts when history was compacted while it was cut off', async () => {
    const etcd = await startTestEtcd();
    const proxy = await startTcpProxy(etcd.endpoint);
    const storage = new EtcdStorage({ endpoints: [proxy.endpoint] });
    const writer = new EtcdStorage({ endpoints: [etcd.endpoint] });
    const cache = new WatchCache(storage, PODS);
    try {
      await cache.start();
      const first = cache.revision();
      const a = record(cache, first);
      const b = record(cache, first);
      const r1 = await writer.create('/registry/pods/ns/a', 'v1');
      await until(() => a.events.length === 1 && b.events.length === 1, 'the first event');

      proxy.cut();
      // The watch resumes at r1 + 1: compacting beyond that makes its history unavailable.
      const r2 = await writer.update('/registry/pods/ns/a', 'v2', r1);
      const r3 = await writer.update('/registry/pods/ns/a', 'v3', r2);
      await writer.compact(r3);
      proxy.restore();

      await until(() => a.errors.length > 0 && b.errors.length > 0, 'Expired on every client watch');
      for (const w of [a, b]) {
        assert.ok(isGone(w.errors[0]), `expected 410, got ${w.errors[0]?.message}`);
        assert.deepEqual(w.events.map((e) => e.modRevision), [r1]);
      }
      await until(() => cache.stats().restarts === 1 && cache.stats().startRevision >= r3, 'the cache to restart');

      // What a client does next: relist, then watch from the list's revision.
      const list = await writer.list(PODS);
      assert.deepEqual(list.items.map((i) => i.value), ['v3']);
      const again = record(cache, list.revision);
      const r4 = await writer.update('/registry/pods/ns/a', 'v4', r3);
      await until(() => again.events.length === 1, 'an event after the restart');
      assert.deepEqual(again.events.map((e) => [e.value, e.prevValue, e.modRevision]), [['v4', 'v3', r4]]);
      assert.deepEqual(again.errors, []);
      again.close();
    } finally {
      await cache.stop();
      await storage.close();
      await writer.close();
      await proxy.close();
      await etcd.stop();
    }
  });
});
