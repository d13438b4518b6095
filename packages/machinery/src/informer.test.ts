import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type KubeList, type KubeObject, type WatchEvent } from '@skiff/api';
import type { WatchOptions, WatchStream } from '@skiff/client';
import { FakeClock } from './clock.js';
import { Informer, indexers, type ListerWatcher } from './informer.js';

function pod(name: string, rv: string, labels: Record<string, string> = {}, owner?: string): KubeObject {
  const metadata: KubeObject['metadata'] = { name, namespace: 'default', resourceVersion: rv, labels };
  if (owner) metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: owner, controller: true }];
  return { apiVersion: 'v1', kind: 'Pod', metadata };
}

/** A scripted lister-watcher: each watch() takes the next script; a script is events then an optional error. */
class FakeListerWatcher implements ListerWatcher {
  lists: KubeList[] = [];
  watches: { events: WatchEvent[]; error?: Error; hang?: boolean }[] = [];
  watchCalls: WatchOptions[] = [];
  listCalls = 0;

  async list<T extends KubeObject>(): Promise<KubeList<T>> {
    this.listCalls++;
    const l = this.lists.shift();
    if (!l) throw new ApiError('ServiceUnavailable', 'no list scripted');
    return l as KubeList<T>;
  }

  watch<T extends KubeObject>(_resource: string, opts: WatchOptions = {}): WatchStream<T> {
    this.watchCalls.push(opts);
    const script = this.watches.shift() ?? { events: [], hang: true };
    let closed = false;
    let wake: (() => void) | undefined;
    return {
      close: () => {
        closed = true;
        wake?.();
      },
      async *[Symbol.asyncIterator]() {
        for (const ev of script.events) yield ev as WatchEvent<T>;
        if (script.error) throw script.error;
        if (script.hang) while (!closed) await new Promise<void>((r) => (wake = r));
      },
    };
  }
}

const list = (rv: string, items: KubeObject[]): KubeList => ({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: rv }, items });

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('lists, syncs, then applies watch events from the list resourceVersion', async () => {
  const lw = new FakeListerWatcher();
  lw.lists.push(list('10', [pod('a', '5'), pod('b', '7')]));
  lw.watches.push({
    events: [
      { type: 'ADDED', object: pod('c', '11') },
      { type: 'MODIFIED', object: pod('a', '12', { x: 'y' }) },
      { type: 'DELETED', object: pod('b', '13') },
      { type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '20' } } },
    ],
    hang: true,
  });
  const seen: string[] = [];
  const inf = new Informer(lw, 'pods');
  inf.on({
    add: (o) => seen.push(`add ${o.metadata.name}`),
    update: (old, cur) => seen.push(`update ${cur.metadata.name} ${old.metadata.resourceVersion}->${cur.metadata.resourceVersion}`),
    delete: (o) => seen.push(`delete ${o.metadata.name}`),
  });
  const ac = new AbortController();
  inf.start(ac.signal);
  await inf.waitForSync();
  await until(() => inf.lastResourceVersion() === '20', 'bookmark');
  assert.equal(lw.watchCalls[0]?.resourceVersion, '10');
  assert.equal(lw.watchCalls[0]?.allowBookmarks, true);
  assert.deepEqual(seen, ['add a', 'add b', 'add c', 'update a 5->12', 'delete b']);
  assert.deepEqual(inf.list().map((o) => o.metadata.name).sort(), ['a', 'c']);
  assert.deepEqual(inf.get('default/a')?.metadata.labels, { x: 'y' });
  ac.abort();
});

test('a Gone watch relists and reports only the difference', async () => {
  const lw = new FakeListerWatcher();
  lw.lists.push(list('10', [pod('a', '5'), pod('b', '7')]));
  lw.watches.push({ events: [], error: new ApiError('Expired', 'too old resource version: 10 (15)') });
  lw.lists.push(list('30', [pod('a', '5'), pod('c', '25')]));
  const seen: string[] = [];
  const inf = new Informer(lw, 'pods');
  inf.on({ add: (o) => seen.push(`add ${o.metadata.name}`), delete: (o) => seen.push(`delete ${o.metadata.name}`), update: (_o, c) => seen.push(`update ${c.metadata.name}`) });
  const ac = new AbortController();
  inf.start(ac.signal);
  await until(() => lw.listCalls === 2 && lw.watchCalls.length === 2, 'relist and rewatch');
  assert.deepEqual(seen, ['add a', 'add b', 'add c', 'delete b']);
  assert.equal(lw.watchCalls[1]?.resourceVersion, '30');
  ac.abort();
});

test('an unavailable apiserver is retried with backoff, resuming the watch without a relist', async () => {
  const clock = new FakeClock();
  const lw = new FakeListerWatcher();
  lw.lists.push(list('10', [pod('a', '5')]));
  lw.watches.push({ events: [{ type: 'ADDED', object: pod('b', '12') }], error: new ApiError('ServiceUnavailable', 'etcd down') });
  lw.watches.push({ events: [{ type: 'ADDED', object: pod('c', '14') }], hang: true });
  const inf = new Informer(lw, 'pods', { clock, minBackoffMs: 100 });
  const ac = new AbortController();
  inf.start(ac.signal);
  await until(() => clock.pending() === 1, 'backoff timer');
  assert.equal(lw.watchCalls.length, 1);
  clock.advance(100);
  await until(() => inf.get('default/c') !== undefined, 'resumed watch');
  assert.equal(lw.listCalls, 1, 'no relist for a transient failure');
  assert.equal(lw.watchCalls[1]?.resourceVersion, '12');
  ac.abort();
});

test('indexes follow updates and deletes', async () => {
  const lw = new FakeListerWatcher();
  lw.lists.push(list('10', [pod('a', '5', {}, 'rs-1'), pod('b', '6', {}, 'rs-1'), pod('c', '7', {}, 'rs-2')]));
  lw.watches.push({ events: [{ type: 'MODIFIED', object: pod('b', '11', {}, 'rs-2') }, { type: 'DELETED', object: pod('a', '12', {}, 'rs-1') }], hang: true });
  const inf = new Informer(lw, 'pods');
  inf.addIndex('owner', indexers.controllerUid);
  const ac = new AbortController();
  inf.start(ac.signal);
  await until(() => inf.lastResourceVersion() === '12', 'events applied');
  assert.deepEqual(inf.byIndex('owner', 'rs-1'), []);
  assert.deepEqual(inf.byIndex('owner', 'rs-2').map((o) => o.metadata.name).sort(), ['b', 'c']);
  ac.abort();
});
