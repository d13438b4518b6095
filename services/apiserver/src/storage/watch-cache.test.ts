import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { isGone, type ApiError } from '@skiff/api';
import { MemoryStorage } from './memory-storage.js';
import { StorageUnavailable, type StorageEvent } from './storage.js';
import { WatchCache, type CacheWatch, type WatchCacheOptions } from './watch-cache.js';

const WAIT_MS = 2_000;

/** Records what one client watch of the cache receives. */
class CacheRecorder {
  readonly events: StorageEvent[] = [];
  readonly errors: ApiError[] = [];
  readonly handle: CacheWatch;
  private readonly waiters: (() => void)[] = [];

  constructor(cache: WatchCache, fromRevision: number) {
    this.handle = cache.watch(
      fromRevision,
      (events) => {
        this.events.push(...events);
        this.notify();
      },
      (err) => {
        this.errors.push(err);
        this.notify();
      },
    );
  }

  revisions(): number[] {
    return this.events.map((e) => e.modRevision);
  }

  async until(predicate: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + WAIT_MS;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; events ${JSON.stringify(this.revisions())}, errors ${this.errors.map((e) => e.message).join('; ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  untilEvents(n: number): Promise<void> {
    return this.until(() => this.events.length >= n, `${n} events`);
  }

  untilError(): Promise<void> {
    return this.until(() => this.errors.length > 0, 'an error');
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

const PODS = '/registry/pods/';
const caches: WatchCache[] = [];

async function startCache(storage: MemoryStorage, opts: WatchCacheOptions = {}): Promise<WatchCache> {
  const cache = new WatchCache(storage, PODS, opts);
  caches.push(cache);
  await cache.start();
  return cache;
}

afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.stop()));
});

describe('WatchCache', () => {
  it('delivers the events under its prefix after the revision it started at, in order', async () => {
    const storage = new MemoryStorage();
    await storage.create('/registry/pods/ns/old', 'o');
    const cache = await startCache(storage);
    const started = cache.revision();
    assert.equal(started, await storage.revision());

    const w = new CacheRecorder(cache, started);
    const r1 = await storage.create('/registry/pods/ns/a', 'a1');
    await storage.create('/registry/podsx/ns/x', 'x');
    const r2 = await storage.update('/registry/pods/ns/a', 'a2', r1);
    const r3 = await storage.delete('/registry/pods/ns/a', r2);
    await w.untilEvents(3);
    assert.deepEqual(
      w.events.map((e) => [e.type, e.key, e.value, e.prevValue, e.modRevision]),
      [
        ['put', '/registry/pods/ns/a', 'a1', undefined, r1],
        ['put', '/registry/pods/ns/a', 'a2', 'a1', r2],
        ['delete', '/registry/pods/ns/a', undefined, 'a2', r3],
      ],
    );
    assert.equal(cache.revision(), r3);
  });

  it('replays the buffered events after the given revision, then live ones', async () => {
    const storage = new MemoryStorage();
    const cache = await startCache(storage);
    const r1 = await storage.create('/registry/pods/ns/a', '1');
    const r2 = await storage.create('/registry/pods/ns/b', '2');
    const r3 = await storage.create('/registry/pods/ns/c', '3');
    const all = new CacheRecorder(cache, cache.stats().startRevision);
    await all.untilEvents(3);

    const fromR1 = new CacheRecorder(cache, r1);
    const r4 = await storage.create('/registry/pods/ns/d', '4');
    await fromR1.untilEvents(3);
    await all.untilEvents(4);
    assert.deepEqual(fromR1.revisions(), [r2, r3, r4]);
    assert.deepEqual(all.revisions(), [r1, r2, r3, r4]);
  });

  it('serves a watch from a revision ahead of its own (other kinds moved the store) by waiting', async () => {
    const storage = new MemoryStorage();
    const cache = await startCache(storage);
    const rPod = await storage.create('/registry/pods/ns/a', 'a');
    await storage.create('/registry/nodes/n1', 'n');
    await storage.create('/registry/nodes/n2', 'n');
    const list = await storage.list(PODS);
    assert.ok(list.revision > rPod);

    const w = new CacheRecorder(cache, list.revision);
    const rNext = await storage.update('/registry/pods/ns/a', 'a2', rPod);
    await w.untilEvents(1);
    assert.deepEqual(w.revisions(), [rNext]);
    assert.deepEqual(w.errors, []);
  });

  it('answers 410 Expired for a revision before the one it started at', async () => {
    const storage = new MemoryStorage();
    await storage.create('/registry/pods/ns/a', 'a');
    await storage.create('/registry/pods/ns/b', 'b');
    const cache = await startCache(storage);
    const started = cache.revision();

    const w = new CacheRecorder(cache, started - 1);
    await w.untilError();
    assert.ok(isGone(w.errors[0]));
    assert.equal(w.errors[0]?.reason, 'Expired');
    assert.equal(w.errors[0]?.code, 410);
    assert.equal(w.errors[0]?.message, `too old resource version: ${started - 1} (${started})`);
  });

  it('answers 410 Expired once the revision has left the buffer, and serves from one before the oldest event', async () => {
    const storage = new MemoryStorage();
    const cache = await startCache(storage, { capacity: 3 });
    const revs: number[] = [];
    for (let i = 0; i < 5; i++) revs.push(await storage.create(`/registry/pods/ns/p${i}`, String(i)));
    const all = new CacheRecorder(cache, cache.stats().startRevision);
    // Opened after eviction: the start revision is no longer servable.
    await all.untilError();
    assert.equal(all.errors[0]?.message, `too old resource version: ${cache.stats().startRevision} (${(revs[2] ?? 0) - 1})`);

    assert.equal(cache.stats().buffered, 3);
    const oldestServable = new CacheRecorder(cache, (revs[2] ?? 0) - 1);
    await oldestServable.untilEvents(3);
    assert.deepEqual(oldestServable.revisions(), revs.slice(2));

    const tooOld = new CacheRecorder(cache, (revs[2] ?? 0) - 2);
    await tooOld.untilError();
    assert.equal(tooOld.errors[0]?.reason, 'Expired');
    assert.deepEqual(tooOld.events, []);
  });

  it('fans one storage watch out to every client watch', async () => {
    const storage = new MemoryStorage();
    const cache = await startCache(storage);
    const from = cache.revision();
    const watchers = [new CacheRecorder(cache, from), new CacheRecorder(cache, from), new CacheRecorder(cache, from)];
    const r1 = await storage.create('/registry/pods/ns/a', 'a');
    const r2 = await storage.create('/registry/pods/ns/b', 'b');
    for (const w of watchers) await w.untilEvents(2);
    for (const w of watchers) assert.deepEqual(w.revisions(), [r1, r2]);
    assert.equal(storage.watchCount(), 1);
    assert.equal(cache.stats().watchers, 3);
  });

  it('stops delivering to a closed watch and keeps delivering to the others', async () => {
    const storage = new MemoryStorage();
    const cache = await startCache(storage);
    const from = cache.revision();
    const closed = new CacheRecorder(cache, from);
    const open = new CacheRecorder(cache, from);
    const r1 = await storage.create('/registry/pods/ns/a', 'a');
    await closed.untilEvents(1);
    closed.handle.close();
    const r2 = await storage.create('/registry/pods/ns/b', 'b');
    await open.untilEvents(2);
    assert.deepEqual(open.revisions(), [r1, r2]);
    assert.deepEqual(closed.revisions(), [r1]);
    assert.equal(cache.stats().watchers, 1);
  });

  it('when the storage watch fails (compacted), expires every client watch and restarts from the store revision', async () => {
    const storage = new MemoryStorage();
    const cache = await startCache(storage);
    const first = cache.revision();
    const a = new CacheRecorder(cache, first);
    const b = new CacheRecorder(cache, first);
    const r1 = await storage.create('/registry/pods/ns/a', 'a');
    await a.untilEvents(1);

    storage.failWatches();
    await a.untilError();
    await b.untilError();
    for (const w of [a, b]) {
      assert.ok(isGone(w.errors[0]), `expected Expired, got ${w.errors[0]?.message}`);
      assert.equal(w.errors[0]?.code, 410);
    }

    // The client relists (at the store's revision) and watches again from it.
    await storage.create('/registry/nodes/n1', 'n');
    const list = await storage.list(PODS);
    const again = new CacheRecorder(cache, list.revision);
    const r2 = await storage.update('/registry/pods/ns/a', 'a2', r1);
    await again.untilEvents(1);
    assert.deepEqual(again.revisions(), [r2]);
    assert.equal(cache.stats().restarts, 1);
    assert.ok(cache.stats().startRevision > first);
    assert.equal(storage.watchCount(), 1);

    // A revision from before the restart cannot be served any more.
    const stale = new CacheRecorder(cache, first);
    await stale.untilError();
    assert.equal(stale.errors[0]?.reason, 'Expired');
  });

  it('keeps retrying to start while the store is unavailable, serving watches opened meanwhile', async () => {
    const storage = new MemoryStorage();
    let failures = 2;
    const realRevision = storage.revision.bind(storage);
    storage.revision = async () => {
      if (failures > 0) {
        failures -= 1;
        throw new StorageUnavailable('etcd is down');
      }
      return realRevision();
    };
    const cache = new WatchCache(storage, PODS, { retryDelayMs: 1 });
    caches.push(cache);
    const starting = cache.start();
    const early = new CacheRecorder(cache, 1);
    await starting;
    assert.equal(failures, 0);
    const r = await storage.create('/registry/pods/ns/a', 'a');
    await early.untilEvents(1);
    assert.deepEqual(early.revisions(), [r]);
  });

  it('ends client watches with ServiceUnavailable when stopped, and closes its storage watch', async () => {
    const storage = new MemoryStorage();
    const cache = await startCache(storage);
    const w = new CacheRecorder(cache, cache.revision());
    await cache.stop();
    await w.untilError();
    assert.equal(w.errors[0]?.reason, 'ServiceUnavailable');
    assert.equal(storage.watchCount(), 0);
    const after = new CacheRecorder(cache, cache.revision());
    await after.untilError();
    assert.equal(after.errors[0]?.reason, 'ServiceUnavailable');
  });

  it('grows while its events are fresh and shrinks back when they are old, as Kubernetes does', async () => {
    const storage = new MemoryStorage();
    let now = 0;
    const cache = await startCache(storage, { capacity: 4, maxCapacity: 16, now: () => now });
    const start = cache.revision();
    const writeN = async (n: number, tag: string) => {
      const w = new CacheRecorder(cache, cache.revision());
      for (let i = 0; i < n; i++) await storage.create(`/registry/pods/ns/${tag}${i}`, tag);
      await w.untilEvents(n);
      w.handle.close();
    };

    await writeN(10, 'a');
    assert.equal(cache.stats().capacity, 16);
    assert.equal(cache.stats().buffered, 10);
    const fromStart = new CacheRecorder(cache, start);
    await fromStart.untilEvents(10);

    now += 100_000;
    await writeN(7, 'b'); // fills 16 and evicts one old event; the newest quarter is fresh
    assert.equal(cache.stats().capacity, 16);
    assert.equal(cache.stats().buffered, 16);

    now += 100_000;
    await writeN(1, 'c'); // full, and the newest quarter is older than 75 s: halve
    assert.equal(cache.stats().capacity, 8);
    assert.equal(cache.stats().buffered, 8);
  });
});
