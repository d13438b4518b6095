import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './clock.js';
import { WorkQueue } from './work-queue.js';

test('a key added many times while waiting is handed out once', async () => {
  const q = new WorkQueue();
  q.add('a');
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.len(), 0);
});

test('a key being processed is not handed to a second worker; re-added keys come back after done', async () => {
  const q = new WorkQueue();
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a'); // arrives while 'a' is processing
  assert.equal(q.len(), 0, 'must not be queued while processing');
  let second: string | undefined;
  void q.get().then((k) => (second = k));
  await Promise.resolve();
  assert.equal(second, undefined);
  q.done('a');
  await new Promise((r) => setImmediate(r));
  assert.equal(second, 'a');
});

test('failures back off exponentially per key and forget resets them', () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock, baseDelayMs: 10, maxDelayMs: 50 });
  q.addRateLimited('k');
  assert.equal(q.len(), 0);
  clock.advance(9);
  assert.equal(q.len(), 0);
  clock.advance(1);
  assert.equal(q.len(), 1);
  void q.get();
  q.done('k');
  q.addRateLimited('k'); // second failure: 20 ms
  clock.advance(19);
  assert.equal(q.len(), 0);
  clock.advance(1);
  assert.equal(q.len(), 1);
  q.addRateLimited('x');
  q.addRateLimited('x');
  q.addRateLimited('x');
  q.addRateLimited('x'); // 10·2^3 = 80, capped at 50
  assert.equal(q.numRequeues('x'), 4);
  q.forget('x');
  assert.equal(q.numRequeues('x'), 0);
});

test('addAfter keeps the earliest pending time for a key', () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter('k', 100);
  q.addAfter('k', 30);
  q.addAfter('k', 500);
  clock.advance(30);
  assert.equal(q.len(), 1);
  clock.advance(1000);
  assert.equal(q.len(), 1, 'the later timers were superseded');
});

test('shutDown releases waiting workers with undefined', async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
  q.add('late');
  assert.equal(await q.get(), undefined);
});
