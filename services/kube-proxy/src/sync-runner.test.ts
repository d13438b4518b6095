import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '@skiff/machinery';
import { SyncRunner } from './sync-runner.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(fail?: () => boolean): { clock: FakeClock; runs: number[]; runner: SyncRunner; errors: number[] } {
  const clock = new FakeClock(0);
  const runs: number[] = [];
  const errors: number[] = [];
  const runner = new SyncRunner({
    fn: async () => {
      runs.push(clock.now());
      if (fail?.()) throw new Error('boom');
    },
    minIntervalMs: 1000,
    maxIntervalMs: 30_000,
    clock,
    onError: (_e, retry) => errors.push(retry),
  });
  return { clock, runs, runner, errors };
}

async function advance(clock: FakeClock, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await flush();
  }
}

describe('SyncRunner', () => {
  it('runs at once when idle, then no more often than the minimum interval, coalescing requests', async () => {
    const { clock, runs, runner } = setup();
    runner.run();
    await advance(clock, 100);
    assert.deepEqual(runs, [], 'nothing before start');
    runner.start();
    clock.advance(0);
    await flush();
    assert.deepEqual(runs, [100]);
    runner.run();
    runner.run();
    runner.run();
    await advance(clock, 900);
    assert.deepEqual(runs, [100], 'held back by the minimum interval');
    await advance(clock, 200);
    assert.deepEqual(runs, [100, 1100], 'three requests, one sync');
    await advance(clock, 5000);
    runner.run();
    clock.advance(0);
    await flush();
    assert.deepEqual(runs, [100, 1100, 6200], 'after a quiet spell, at once');
    await runner.stop();
  });

  it('resyncs every period and retries failures with backoff', async () => {
    let failing = false;
    const { clock, runs, runner, errors } = setup(() => failing);
    runner.start();
    clock.advance(0);
    await flush();
    await advance(clock, 30_000);
    assert.deepEqual(runs, [0, 30_000]);
    failing = true;
    await advance(clock, 30_000);
    assert.equal(runs[2], 60_000);
    await advance(clock, 4000);
    assert.deepEqual(runs.slice(2), [60_000, 61_000, 63_000], 'retried after 1 s, then 2 s');
    assert.deepEqual(errors.slice(0, 2), [1000, 2000]);
    failing = false;
    await advance(clock, 4000);
    assert.equal(runs.at(-1), 67_000);
    const n = runs.length;
    await advance(clock, 10_000);
    assert.equal(runs.length, n, 'back to the period after a success');
    await runner.stop();
  });
});
