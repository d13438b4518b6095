// The behaviour every Storage adapter must have, as one node:test suite. MemoryStorage runs it in
// memory-storage.test.ts, EtcdStorage against a real etcd in etcd-storage.integration.test.ts.
// Each test writes under its own root so that one store can serve the whole suite.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  StorageConflict,
  StorageKeyExists,
  StorageKeyNotFound,
  type Storage,
  type StorageEvent,
  type StorageWatch,
} from './storage.js';

const WAIT_MS = 5_000;

/** Records what a storage watch delivers and lets a test wait for it. */
export class WatchRecorder {
  readonly events: StorageEvent[] = [];
  readonly batches: StorageEvent[][] = [];
  readonly errors: (Error & { compacted?: boolean })[] = [];
  private readonly waiters: (() => void)[] = [];
  private watchHandle: StorageWatch | undefined;

  constructor(storage: Storage, prefix: string, fromRevision: number) {
    this.watchHandle = storage.watch(prefix, fromRevision, {
      onEvents: (events) => {
        this.batches.push(events);
        this.events.push(...events);
        this.notify();
      },
      onError: (err) => {
        this.errors.push(err);
        this.notify();
      },
    });
  }

  async close(): Promise<void> {
    await this.watchHandle?.close();
    this.watchHandle = undefined;
  }

  /** Resolves once `predicate` holds, rejects after `ms`. */
  async until(predicate: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}; got events ${JSON.stringify(this.events)} errors ${this.errors.map((e) => e.message).join('; ')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  untilEvents(n: number, ms = WAIT_MS): Promise<void> {
    return this.until(() => this.events.length >= n, `${n} events`, ms);
  }

  untilError(ms = WAIT_MS): Promise<void> {
    return this.until(() => this.errors.length > 0, 'a watch error', ms);
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** The event fields a test compares (batching differs between adapters). */
function summary(e: StorageEvent): [string, string, string | undefined, string | undefined, number] {
  return [e.type, e.key, e.value, e.prevValue, e.modRevision];
}

let roots = 0;
function newRoot(): string {
  roots += 1;
  return `/registry-contract-${process.pid}-${Date.now().toString(36)}-${roots}/`;
}

export function storageContract(
  name: string,
  make: () => Promise<{ storage: Storage; cleanup(): Promise<void> }>,
): void {
  describe(`Storage contract: ${name}`, () => {
    let storage: Storage;
    let cleanup: () => Promise<void>;
    let root: string;
    const recorders: WatchRecorder[] = [];

    const record = (prefix: string, fromRevision: number): WatchRecorder => {
      const r = new WatchRecorder(storage, prefix, fromRevision);
      recorders.push(r);
      return r;
    };

    beforeEach(async () => {
      const made = await make();
      storage = made.storage;
      cleanup = made.cleanup;
      root = newRoot();
    });

    afterEach(async () => {
      await Promise.all(recorders.splice(0).map((r) => r.close()));
      await cleanup();
    });

    it('create stores the value at a new revision that get reports as modRevision', async () => {
      const before = await storage.revision();
      const rev = await storage.create(`${root}pods/default/a`, '{"n":1}');
      assert.ok(rev > before, `create revision ${rev} must be after ${before}`);
      assert.deepEqual(await storage.get(`${root}pods/default/a`), {
        key: `${root}pods/default/a`,
        value: '{"n":1}',
        modRevision: rev,
      });
      assert.equal(await storage.revision(), rev);
    });

    it('create of an existing key throws StorageKeyExists and writes nothing', async () => {
      const rev = await storage.create(`${root}k`, 'one');
      await assert.rejects(storage.create(`${root}k`, 'two'), (err: unknown) => {
        assert.ok(err instanceof StorageKeyExists);
        assert.equal(err.key, `${root}k`);
        return true;
      });
      assert.deepEqual(await storage.get(`${root}k`), { key: `${root}k`, value: 'one', modRevision: rev });
      assert.equal(await storage.revision(), rev, 'a failed create must not advance the revision');
    });

    it('get of a missing key returns undefined', async () => {
      assert.equal(await storage.get(`${root}missing`), undefined);
    });

    it('list returns exactly the keys under the prefix, in key order, with the revision it read at', async () => {
      await storage.create(`${root}pods/ns/b`, 'b');
      await storage.create(`${root}pods/ns/a`, 'a');
      await storage.create(`${root}podsx/ns/c`, 'c');
      await storage.create(`${root}pods`, 'not-under-prefix');
      const last = await storage.create(`${root}pods/ms/z`, 'z');

      const pods = await storage.list(`${root}pods/`);
      assert.deepEqual(
        pods.items.map((i) => [i.key, i.value]),
        [
          [`${root}pods/ms/z`, 'z'],
          [`${root}pods/ns/a`, 'a'],
          [`${root}pods/ns/b`, 'b'],
        ],
      );
      assert.equal(pods.revision, last);
      for (const item of pods.items) {
        assert.equal(item.modRevision, (await storage.get(item.key))?.modRevision);
      }
      const podsx = await storage.list(`${root}podsx/`);
      assert.deepEqual(podsx.items.map((i) => i.key), [`${root}podsx/ns/c`]);
      const none = await storage.list(`${root}nothing/`);
      assert.deepEqual(none.items, []);
      assert.equal(none.revision, last, 'an empty list still reports the store revision');
    });

    it('update is a compare-and-swap on modRevision', async () => {
      const key = `${root}pods/ns/p`;
      const r1 = await storage.create(key, 'v1');
      const r2 = await storage.update(key, 'v2', r1);
      assert.ok(r2 > r1);
      assert.deepEqual(await storage.get(key), { key, value: 'v2', modRevision: r2 });

      await assert.rejects(storage.update(key, 'stale', r1), StorageConflict);
      assert.equal((await storage.get(key))?.value, 'v2');
      assert.equal(await storage.revision(), r2, 'a failed update must not advance the revision');

      await assert.rejects(storage.update(`${root}pods/ns/none`, 'x', r2), StorageKeyNotFound);
      await assert.rejects(storage.update(`${root}pods/ns/none`, 'x', 0), StorageKeyNotFound);
      assert.equal(await storage.get(`${root}pods/ns/none`), undefined);
    });

    it('delete with an expected revision is a compare-and-swap; without one it is unconditional', async () => {
      const key = `${root}pods/ns/d`;
      const r1 = await storage.create(key, 'v1');
      const r2 = await storage.update(key, 'v2', r1);

      await assert.rejects(storage.delete(key, r1), StorageConflict);
      assert.equal((await storage.get(key))?.value, 'v2');

      const r3 = await storage.delete(key, r2);
      assert.ok(r3 > r2);
      assert.equal(await storage.get(key), undefined);
      assert.equal(await storage.revision(), r3);

      await assert.rejects(storage.delete(key), StorageKeyNotFound);
      await assert.rejects(storage.delete(key, r3), StorageKeyNotFound);

      const r4 = await storage.create(key, 'again');
      const r5 = await storage.delete(key);
      assert.ok(r5 > r4);
      assert.equal(await storage.get(key), undefined);
    });

    it('revisions increase with every write and equal the modRevision get reports', async () => {
      const revs: number[] = [];
      for (let i = 0; i < 5; i++) revs.push(await storage.create(`${root}seq/${i}`, String(i)));
      revs.push(await storage.update(`${root}seq/0`, 'x', revs[0] ?? -1));
      for (let i = 1; i < revs.length; i++) {
        assert.ok((revs[i] ?? 0) > (revs[i - 1] ?? 0), `revisions not increasing: ${revs.join(',')}`);
      }
      assert.equal(await storage.revision(), revs.at(-1));
      assert.equal((await storage.get(`${root}seq/0`))?.modRevision, revs.at(-1));
      assert.equal((await storage.get(`${root}seq/4`))?.modRevision, revs[4]);
    });

    it('watch from a revision delivers exactly the later events under the prefix, in order, with prevValue', async () => {
      const a = `${root}pods/ns/a`;
      const b = `${root}pods/ns/b`;
      const ra = await storage.create(a, 'a1');
      const rb = await storage.create(b, 'b1');
      const rx = await storage.create(`${root}podsx/ns/x`, 'x1');
      const ra2 = await storage.update(a, 'a2', ra);
      const rbd = await storage.delete(b, rb);

      const w = record(`${root}pods/`, ra);
      await w.untilEvents(3);
      // A marker written after the watch started proves nothing else was in between.
      const rm = await storage.create(`${root}pods/ns/marker`, 'm');
      await w.untilEvents(4);
      assert.deepEqual(w.events.map(summary), [
        ['put', b, 'b1', undefined, rb],
        ['put', a, 'a2', 'a1', ra2],
        ['delete', b, undefined, 'b1', rbd],
        ['put', `${root}pods/ns/marker`, 'm', undefined, rm],
      ]);
      assert.ok(rx > rb && rx < ra2);
      assert.deepEqual(w.errors, []);
    });

    it('watch from the current revision delivers only new events, and nothing after close', async () => {
      const key = `${root}pods/ns/live`;
      const r0 = await storage.create(key, 'v0');
      const w = record(`${root}pods/`, r0);
      const witness = record(`${root}pods/`, r0);
      const r1 = await storage.update(key, 'v1', r0);
      await w.untilEvents(1);
      assert.deepEqual(w.events.map(summary), [['put', key, 'v1', 'v0', r1]]);

      await w.close();
      const r2 = await storage.update(key, 'v2', r1);
      await witness.untilEvents(2);
      assert.deepEqual(witness.events.map((e) => e.modRevision), [r1, r2]);
      assert.equal(w.events.length, 1, 'a closed watch must not deliver');
    });

    it('a watch from a compacted revision fails with compacted; one from the compaction point works', async () => {
      const key = `${root}pods/ns/c`;
      const r1 = await storage.create(key, 'v1');
      const r2 = await storage.update(key, 'v2', r1);
      const r3 = await storage.update(key, 'v3', r2);
      const r4 = await storage.update(key, 'v4', r3);
      await storage.compact(r3);
      await storage.compact(r2); // already compacted: no-op

      const old = record(`${root}pods/`, r1);
      await old.untilError();
      assert.equal(old.errors[0]?.compacted, true, `expected compacted, got ${old.errors[0]?.message}`);
      assert.deepEqual(old.events, []);

      // Events at the compaction revision itself are kept (etcd semantics).
      const fromKept = record(`${root}pods/`, r3 - 1);
      await fromKept.untilEvents(2);
      assert.deepEqual(fromKept.events.map((e) => [e.value, e.modRevision]), [['v3', r3], ['v4', r4]]);
      assert.deepEqual(fromKept.errors, []);

      const fresh = record(`${root}pods/`, r4);
      const r5 = await storage.update(key, 'v5', r4);
      await fresh.untilEvents(1);
      assert.deepEqual(fresh.events.map(summary), [['put', key, 'v5', 'v4', r5]]);
    });

    it('compact to a future revision is rejected', async () => {
      const rev = await storage.create(`${root}k`, 'v');
      await assert.rejects(storage.compact(rev + 1000));
    });
  });
}
