import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@skiff/machinery';
import { Backoff, formatDuration } from './backoff.js';

describe('Backoff', () => {
  it('lets the first restart through, then waits 10 s, 20 s, 40 s ... capped at 300 s', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    const id = 'uid/web';
    // First death: no entry, restart at once.
    assert.equal(b.inBackOffSince(id, clock.now()), undefined);
    b.next(id, clock.now());
    const windows: number[] = [];
    for (let i = 0; i < 7; i++) {
      const died = clock.now();
      const state = b.inBackOffSince(id, died);
      assert.ok(state, `death ${i + 2} must back off`);
      windows.push(state.durationMs);
      clock.advance(state.durationMs - 1);
      assert.ok(b.inBackOffSince(id, died), 'still inside the window');
      clock.advance(1);
      assert.equal(b.inBackOffSince(id, died), undefined, 'window over');
      b.next(id, died);
    }
    assert.deepEqual(windows, [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it('reports the time left in the window', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    b.next('x', clock.now());
    const died = clock.now();
    clock.advance(4_000);
    assert.deepEqual(b.inBackOffSince('x', died), { durationMs: 10_000, remainingMs: 6_000 });
  });

  it('starts over after the container ran cleanly for twice the cap', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    b.next('x', clock.now());
    b.next('x', clock.now());
    assert.equal(b.get('x'), 20_000);
    clock.advance(600_001);
    assert.equal(b.inBackOffSince('x', clock.now()), undefined);
    b.next('x', clock.now());
    assert.equal(b.get('x'), 10_000);
  });

  it('forgets a pod\'s entries and collects stale ones', () => {
    const clock = new FakeClock();
    const b = new Backoff(clock);
    b.next('uid1/a', clock.now());
    b.next('uid2/a', clock.now());
    b.forgetPrefix('uid1/');
    assert.equal(b.size(), 1);
    clock.advance(600_001);
    b.gc();
    assert.equal(b.size(), 0);
  });

  it('formats durations the way Go prints them', () => {
    assert.equal(formatDuration(10_000), '10s');
    assert.equal(formatDuration(80_000), '1m20s');
    assert.equal(formatDuration(300_000), '5m0s');
  });
});
