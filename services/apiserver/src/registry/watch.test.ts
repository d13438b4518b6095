import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiError, KubeObject, WatchEvent } from '@skiff/api';
import type { Registry } from './registry.js';
import type { WatchOptions } from './resource-watch.js';
import { newTestRegistry, pod, rejectsWith } from './test-fixtures.js';

/** A watch whose events and error are collected; `waitFor` resolves once `n` events arrived. */
async function collect(registry: Registry, resource: string, opts: WatchOptions) {
  const events: WatchEvent[] = [];
  let error: ApiError | undefined;
  let wake: (() => void) | undefined;
  const w = await registry.watch(resource, opts, {
    send: (ev) => {
      events.push(ev);
      wake?.();
    },
    fail: (err) => {
      error = err;
      wake?.();
    },
  });
  const waitFor = async (cond: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 5_000;
    while (!cond()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; got ${JSON.stringify(events.map((e) => [e.type, e.object.metadata.name]))}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  };
  return {
    events,
    error: () => error,
    summary: () => events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`),
    waitFor,
    waitCount: (n: number) => waitFor(() => events.length >= n, `${n} events`),
    close: () => w.close(),
  };
}

test('watch from "" lists first (ADDED), then streams changes', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    await pods.create('default', pod('a'));
    const w = await collect(registry, 'pods', { namespace: 'default' });
    assert.deepEqual(w.summary(), ['ADDED a']);
    await pods.create('default', pod('b'));
    await pods.patch('default', 'a', { metadata: { labels: { x: 'y' } } });
    await pods.delete('default', 'b');
    await w.waitCount(4);
    assert.deepEqual(w.summary(), ['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b']);
    const deleted = w.events[3]?.object as KubeObject;
    assert.equal(deleted.metadata.uid !== undefined, true, 'DELETED carries the last state');
    w.close();
  } finally {
    await close();
  }
});

test('watch resumes from a list resourceVersion and sees only later changes', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    await pods.create('default', pod('a'));
    const list = await pods.list();
    await pods.create('default', pod('b'));
    const w = await collect(registry, 'pods', { resourceVersion: list.metadata.resourceVersion ?? '' });
    await w.waitCount(1);
    await pods.create('default', pod('c'));
    await w.waitCount(2);
    assert.deepEqual(w.summary(), ['ADDED b', 'ADDED c']);
    assert.equal(w.events[1]?.object.metadata.resourceVersion, (await pods.get('default', 'c')).metadata.resourceVersion);
    w.close();
  } finally {
    await close();
  }
});

test('selector transitions: starts matching → ADDED, stops matching → DELETED', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    await pods.create('default', pod('a', {}, { app: 'web' }));
    const w = await collect(registry, 'pods', { labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1', resourceVersion: '0' });
    assert.deepEqual(w.summary(), []);
    await registry.bind('default', 'a', { target: { name: 'n1' } });
    await w.waitCount(1);
    await pods.patch('default', 'a', { metadata: { labels: { app: 'db' } } });
    await w.waitCount(2);
    await pods.patch('default', 'a', { metadata: { labels: { app: 'web' } } });
    await w.waitCount(3);
    assert.deepEqual(w.summary(), ['ADDED a', 'DELETED a', 'ADDED a']);
    const gone = w.events[1]?.object as KubeObject;
    assert.equal(gone.metadata.labels?.['app'], 'web', 'DELETED carries the last matching state');
    w.close();
  } finally {
    await close();
  }
});

test('a namespace filter keeps other namespaces out', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    const w = await collect(registry, 'pods', { namespace: 'kube-system', resourceVersion: '0' });
    await pods.create('default', pod('a'));
    await pods.create('kube-system', { ...pod('b'), metadata: { name: 'b', namespace: 'kube-system' } });
    await w.waitCount(1);
    assert.deepEqual(w.summary(), ['ADDED b']);
    w.close();
  } finally {
    await close();
  }
});

test('a compacted revision ends the watch with 410 Expired', async () => {
  const { registry, storage, close } = await newTestRegistry({ watchCacheCapacity: 10 });
  const pods = registry.store('pods');
  try {
    const before = await pods.create('default', pod('a'));
    // Overflow the watch cache's buffer so the revision is no longer servable.
    for (let i = 0; i < 20; i++) await pods.patch('default', 'a', { metadata: { labels: { i: String(i) } } });
    await storage.compact(await storage.revision());
    const w = await collect(registry, 'pods', { resourceVersion: before.metadata.resourceVersion ?? '' });
    await w.waitFor(() => w.error() !== undefined, 'an error');
    assert.equal(w.error()?.code, 410);
    assert.match(w.error()?.message ?? '', /too old resource version/);
    await rejectsWith(registry.watch('pods', { resourceVersion: 'abc' }, { send() {}, fail() {} }), 'BadRequest', /invalid resourceVersion/);
    await rejectsWith(registry.watch('pods', { fieldSelector: 'spec.x=1' }, { send() {}, fail() {} }), 'BadRequest', 'field label not supported: spec.x');
  } finally {
    await close();
  }
});

test('bookmarks carry the latest revision so a quiet watch can resume', async () => {
  const { registry, close } = await newTestRegistry({ bookmarkIntervalMs: 30 });
  const pods = registry.store('pods');
  try {
    const w = await collect(registry, 'pods', { labelSelector: 'app=none', resourceVersion: '0', allowBookmarks: true });
    await pods.create('default', pod('a'));
    const rv = Number((await pods.get('default', 'a')).metadata.resourceVersion);
    await w.waitFor(() => w.events.some((e) => e.type === 'BOOKMARK' && Number(e.object.metadata.resourceVersion) >= rv), 'a bookmark at the new revision');
    const bm = w.events.find((e) => e.type === 'BOOKMARK');
    assert.deepEqual(Object.keys(bm?.object.metadata ?? {}), ['resourceVersion']);
    assert.equal(bm?.object.kind, 'Pod');
    assert.ok(w.events.every((e) => e.type === 'BOOKMARK'), 'nothing else matched');
    w.close();
  } finally {
    await close();
  }
});

test('unknown resources are NotFound with Kubernetes\' message', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    assert.throws(() => registry.store('widgets'), { message: 'the server doesn\'t have a resource type "widgets"' });
    assert.equal(registry.store('po').info.resource, 'pods');
    assert.equal(registry.store('replicasets.apps').info.resource, 'replicasets');
    assert.equal(registry.store('Lease').info.resource, 'leases');
  } finally {
    await close();
  }
});
