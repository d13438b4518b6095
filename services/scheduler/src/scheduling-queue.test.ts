import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { FakeClock } from '@skiff/machinery';
import { SchedulingQueue } from './scheduling-queue.js';

const queues: SchedulingQueue[] = [];
afterEach(() => queues.splice(0).forEach((q) => q.shutDown()));

function newQueue(): { q: SchedulingQueue; clock: FakeClock } {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock });
  queues.push(q);
  return { q, clock };
}

describe('SchedulingQueue', () => {
  it('backoff doubles from 1 s and caps at 10 s', () => {
    const { q } = newQueue();
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => q.backoffMs(n)),
      [1000, 2000, 4000, 8000, 10_000, 10_000],
    );
  });

  it('parks an unschedulable pod until a move request, then retries it after its backoff', async () => {
    const { q, clock } = newQueue();
    q.add('default/p');
    const got = await q.pop();
    assert.equal(got?.key, 'default/p');
    got!.info.attempts++;
    q.addUnschedulable('default/p', q.cycle());
    q.done('default/p');
    assert.deepEqual(q.pending(), { active: 0, backoff: 0, unschedulable: 1 });

    q.moveAllToActive();
    assert.deepEqual(q.pending(), { active: 0, backoff: 1, unschedulable: 0 });
    clock.advance(999);
    assert.equal(q.pending().active, 0);
    clock.advance(1);
    assert.deepEqual(q.pending(), { active: 1, backoff: 1, unschedulable: 0 });
    assert.equal((await q.pop())?.key, 'default/p');
    assert.equal(q.pending().backoff, 0);
  });

  it('does not park a pod when the cluster changed during its attempt', async () => {
    const { q } = newQueue();
    q.add('default/p');
    const got = await q.pop();
    const cycle = q.cycle();
    q.moveAllToActive(); // e.g. a node was added while the filters ran
    q.addUnschedulable(got!.key, cycle);
    q.done(got!.key);
    assert.equal(q.isUnschedulable('default/p'), false);
    assert.equal(q.pending().unschedulable, 0);
  });

  it('retries parked pods after 30 s even when nothing changes', async () => {
    const { q, clock } = newQueue();
    q.add('default/p');
    await q.pop();
    q.addUnschedulable('default/p', q.cycle());
    q.done('default/p');
    clock.advance(29_999);
    assert.equal(q.pending().unschedulable, 1);
    clock.advance(10_000);
    assert.deepEqual(q.pending(), { active: 1, backoff: 0, unschedulable: 0 });
  });

  it('an update to a parked pod sends it straight back; delete forgets it', async () => {
    const { q } = newQueue();
    q.add('default/p');
    await q.pop();
    q.addUnschedulable('default/p', q.cycle());
    q.done('default/p');
    q.add('default/p');
    assert.deepEqual(q.pending(), { active: 1, backoff: 0, unschedulable: 0 });
    await q.pop();
    q.addUnschedulable('default/p', q.cycle());
    q.done('default/p');
    q.delete('default/p');
    assert.deepEqual(q.pending(), { active: 0, backoff: 0, unschedulable: 0 });
  });

  it('keeps the time a pod first entered the queue across attempts', async () => {
    const { q, clock } = newQueue();
    q.add('default/p');
    const first = await q.pop();
    q.addBackoff('default/p');
    q.done('default/p');
    clock.advance(5000);
    const second = await q.pop();
    assert.equal(second?.info.queuedAt, first?.info.queuedAt);
  });

  it('pop returns undefined after shutDown', async () => {
    const { q } = newQueue();
    const waiting = q.pop();
    q.shutDown();
    assert.equal(await waiting, undefined);
  });
});
