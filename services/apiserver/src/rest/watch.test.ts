// Watches over HTTPS: newline-delimited events, synthetic ADDED from resourceVersion 0, changes
// after a given one, BOOKMARKs, timeoutSeconds, a compacted revision as an ERROR event with 410,
// and watchers removed when the client goes away.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { newRegistry } from '@skiff/component';
import type { Registry as MetricsRegistry } from 'prom-client';
import { MemoryStorage } from '../storage/memory-storage.js';
import { startRestTestServer, type RestTestServer } from './testing/rest-test-server.js';

let s: RestTestServer;
let storage: MemoryStorage;
let metrics: MetricsRegistry;

before(async () => {
  storage = new MemoryStorage();
  metrics = newRegistry();
  s = await startRestTestServer({ storage, metricsRegistry: metrics, config: { bookmarkIntervalMs: 50, watchCacheCapacity: 5 } });
});
after(async () => {
  await s.stop();
});

const CMS = '/api/v1/namespaces/default/configmaps';

interface Event {
  type: string;
  object: { kind: string; metadata: { name?: string; resourceVersion?: string }; code?: number; reason?: string; data?: Record<string, string> };
}

/** Reads events from a watch response as they arrive. */
class EventReader {
  private buf = '';
  private readonly events: Event[] = [];
  private waiters: (() => void)[] = [];
  ended = false;

  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        this.events.push(JSON.parse(this.buf.slice(0, nl)) as Event);
        this.buf = this.buf.slice(nl + 1);
      }
      this.wake();
    });
    res.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The next event matching `pred`, skipping others; fails after 5 s. */
  async next(pred: (e: Event) => boolean = () => true): Promise<Event> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const i = this.events.findIndex(pred);
      if (i >= 0) return this.events.splice(0, i + 1)[i] as Event;
      this.events.length = 0;
      if (this.ended) throw new Error('the watch ended');
      if (Date.now() > deadline) throw new Error('no matching event within 5 s');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async end(): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('the watch did not end');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }
}

async function createCm(name: string, labels: Record<string, string> = {}): Promise<string> {
  const r = await s.request('POST', CMS, { body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { k: '1' } } });
  assert.equal(r.status, 201, r.text);
  return String((r.json()['metadata'] as { resourceVersion: string }).resourceVersion);
}

async function watch(path: string): Promise<EventReader> {
  const res = await s.stream(path);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.headers['transfer-encoding'], 'chunked');
  return new EventReader(res);
}

test('from resourceVersion 0: ADDED for what exists, then the changes, filtered by label', async () => {
  await createCm('w-a', { w: 'one' });
  await createCm('w-other', { w: 'two' });
  const events = await watch(`${CMS}?watch=true&resourceVersion=0&labelSelector=w%3Done`);
  const added = await events.next();
  assert.deepEqual([added.type, added.object.metadata.name], ['ADDED', 'w-a']);
  const patch = await s.request('PATCH', `${CMS}/w-a`, { body: { data: { k: '2' } }, contentType: 'application/merge-patch+json' });
  assert.equal(patch.status, 200);
  const modified = await events.next();
  assert.deepEqual([modified.type, modified.object.metadata.name, modified.object.data?.['k']], ['MODIFIED', 'w-a', '2']);
  await s.request('DELETE', `${CMS}/w-a`);
  const deleted = await events.next((e) => e.type !== 'BOOKMARK');
  assert.deepEqual([deleted.type, deleted.object.metadata.name], ['DELETED', 'w-a']);
  events.res.destroy();
});

test('from a resourceVersion: only later changes; a /watch/ path with a name watches one object', async () => {
  const rv = await createCm('w-b');
  const events = await watch(`/api/v1/watch/namespaces/default/configmaps/w-c?resourceVersion=${rv}`);
  await createCm('w-d');
  await createCm('w-c');
  const e = await events.next();
  assert.deepEqual([e.type, e.object.metadata.name], ['ADDED', 'w-c']);
  events.res.destroy();
});

test('bookmarks carry the current resourceVersion when asked for', async () => {
  const rv = await createCm('w-bm');
  const events = await watch(`${CMS}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`);
  const bm = await events.next((e) => e.type === 'BOOKMARK');
  assert.equal(bm.object.kind, 'ConfigMap');
  assert.ok(Number(bm.object.metadata.resourceVersion) >= Number(rv));
  events.res.destroy();
});

test('timeoutSeconds ends the watch cleanly', async () => {
  const events = await watch(`${CMS}?watch=true&timeoutSeconds=1&resourceVersion=0`);
  await events.end();
});

test('a compacted resourceVersion is an ERROR event with a 410 Expired Status', async () => {
  const old = await createCm('w-old');
  for (let i = 0; i < 12; i++) await createCm(`w-fill-${i}`);
  await storage.compact(await storage.revision());
  const events = await watch(`${CMS}?watch=true&resourceVersion=${old}`);
  const err = await events.next();
  assert.equal(err.type, 'ERROR');
  assert.equal(err.object.kind, 'Status');
  assert.equal(err.object.code, 410);
  assert.equal(err.object.reason, 'Expired');
  await events.end();
});

test('a bad selector is a 400 Status, not a stream', async () => {
  const r = await s.request('GET', `${CMS}?watch=true&labelSelector=a%3D%3D%3Db`);
  assert.equal(r.status, 400);
  assert.equal(r.json()['kind'], 'Status');
});

test('a watcher is removed when its client goes away', async () => {
  const gauge = async (): Promise<number> => {
    const m = /apiserver_registered_watchers\{resource="configmaps"\} (\d+)/.exec(await metrics.metrics());
    return Number(m?.[1] ?? 0);
  };
  const base = await gauge();
  const events = await watch(`${CMS}?watch=true`);
  assert.equal(await gauge(), base + 1);
  events.res.destroy();
  const deadline = Date.now() + 5_000;
  while ((await gauge()) !== base) {
    assert.ok(Date.now() < deadline, 'the watcher is still registered');
    await new Promise((r) => setTimeout(r, 20));
  }
});
