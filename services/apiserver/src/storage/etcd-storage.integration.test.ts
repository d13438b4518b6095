import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EtcdStorage } from './etcd-storage.js';
import { StorageUnavailable } from './storage.js';
import { storageContract, WatchRecorder } from './storage-contract.js';
import { startTestEtcd, type TestEtcd } from './test-etcd.js';
import { startTcpProxy } from './fault-proxy.js';

let etcd: TestEtcd;
before(async () => {
  etcd = await startTestEtcd();
});
after(async () => {
  await etcd?.stop();
});

storageContract('EtcdStorage', async () => {
  const storage = new EtcdStorage({ endpoints: [etcd.endpoint] });
  return { storage, cleanup: () => storage.close() };
});

/** Retries `fn` until it succeeds or `ms` pass (etcd coming back up is not instantaneous). */
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

describe('EtcdStorage with several endpoints', () => {
  it('sends calls and watches to a live member when another endpoint is down', async () => {
    const dead = 'http://127.0.0.1:1';
    const storage = new EtcdStorage({ endpoints: [dead, etcd.endpoint] });
    try {
      const r1 = await storage.create('/registry/multi/a', 'v1');
      const w = new WatchRecorder(storage, '/registry/multi/', r1);
      for (let i = 0; i < 20; i++) assert.equal((await storage.get('/registry/multi/a'))?.value, 'v1');
      const r2 = await storage.update('/registry/multi/a', 'v2', r1);
      await w.untilEvents(1);
      assert.deepEqual(w.events.map((e) => e.modRevision), [r2]);
      await w.close();
    } finally {
      await storage.close();
    }
  });
});

describe('EtcdStorage when etcd stops and starts again', () => {
  it('fails fast with StorageUnavailable while etcd is down, then recovers and resumes its watch', async () => {
    // Its own etcd: this test stops it.
    const own = await startTestEtcd();
    const storage = new EtcdStorage({ endpoints: [own.endpoint], dialTimeoutMs: 3_000 });
    try {
      const r1 = await storage.create('/registry/pods/ns/a', 'v1');
      const w = new WatchRecorder(storage, '/registry/pods/', r1);
      const r2 = await storage.update('/registry/pods/ns/a', 'v2', r1);
      await w.untilEvents(1);

      await own.kill();
      for (const call of [
        () => storage.get('/registry/pods/ns/a'),
        () => storage.list('/registry/pods/'),
        () => storage.update('/registry/pods/ns/a', 'v3', r2),
        () => storage.create('/registry/pods/ns/b', 'b'),
        () => storage.revision(),
      ]) {
        await assert.rejects(call(), StorageUnavailable);
      }

      await own.restart();
      const r3 = await eventually(() => storage.update('/registry/pods/ns/a', 'v3', r2));
      const r4 = await storage.create('/registry/pods/ns/b', 'b');
      await w.untilEvents(3, 15_000);
      assert.deepEqual(
        w.events.map((e) => [e.key, e.value, e.prevValue, e.modRevision]),
        [
          ['/registry/pods/ns/a', 'v2', 'v1', r2],
          ['/registry/pods/ns/a', 'v3', 'v2', r3],
          ['/registry/pods/ns/b', 'b', undefined, r4],
        ],
      );
      assert.deepEqual(w.errors, []);
      await w.close();
    } finally {
      await storage.close();
      await own.stop();
    }
  });

  it('gives StorageUnavailable within the call deadline when etcd does not answer at all', async () => {
    const own = await startTestEtcd();
    const storage = new EtcdStorage({ endpoints: [own.endpoint], dialTimeoutMs: 1_000 });
    try {
      await storage.create('/registry/pods/ns/a', 'v1');
      process.kill(own.pid, 'SIGSTOP');
      try {
        await assert.rejects(storage.get('/registry/pods/ns/a'), StorageUnavailable);
      } finally {
        process.kill(own.pid, 'SIGCONT');
      }
      assert.equal((await eventually(() => storage.get('/registry/pods/ns/a')))?.value, 'v1');
    } finally {
      await storage.close();
      await own.stop();
    }
  });

  it('reports a watch whose history was compacted while it was disconnected as compacted', async () => {
    const own = await startTestEtcd();
    const proxy = await startTcpProxy(own.endpoint);
    const storage = new EtcdStorage({ endpoints: [proxy.endpoint] });
    const writer = new EtcdStorage({ endpoints: [own.endpoint] });
    try {
      const r1 = await storage.create('/registry/pods/ns/a', 'v1');
      const w = new WatchRecorder(storage, '/registry/pods/', r1);
      const r2 = await writer.update('/registry/pods/ns/a', 'v2', r1);
      await w.untilEvents(1);

      proxy.cut();
      await assert.rejects(storage.get('/registry/pods/ns/a'), StorageUnavailable);
      const r3 = await writer.update('/registry/pods/ns/a', 'v3', r2);
      const r4 = await writer.update('/registry/pods/ns/a', 'v4', r3);
      await writer.compact(r4);
      proxy.restore();

      await w.untilError(15_000);
      assert.equal(w.errors[0]?.compacted, true, `expected compacted, got ${w.errors[0]?.message}`);
      assert.deepEqual(w.events.map((e) => e.modRevision), [r2]);
      // The adapter itself is fine: calls work, and a new watch from the compaction point too.
      assert.equal((await eventually(() => storage.get('/registry/pods/ns/a')))?.value, 'v4');
      const again = new WatchRecorder(storage, '/registry/pods/', r4);
      const r5 = await writer.update('/registry/pods/ns/a', 'v5', r4);
      await again.untilEvents(1);
      assert.deepEqual(again.events.map((e) => [e.value, e.prevValue, e.modRevision]), [['v5', 'v4', r5]]);
      await Promise.all([w.close(), again.close()]);
    } finally {
      await storage.close();
      await writer.close();
      await proxy.close();
      await own.stop();
    }
  });
});
