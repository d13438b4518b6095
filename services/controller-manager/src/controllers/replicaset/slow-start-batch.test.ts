import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slowStartBatch } from './slow-start-batch.js';

describe('slowStartBatch', () => {
  it('runs every call in batches of 1, 2, 4, ... when all succeed', async () => {
    let inFlight = 0;
    const batches: number[] = [];
    let current = 0;
    const result = await slowStartBatch(10, async () => {
      inFlight++;
      current = Math.max(current, inFlight);
      await Promise.resolve();
      inFlight--;
      if (inFlight === 0) {
        batches.push(current);
        current = 0;
      }
    });
    assert.deepEqual(result, { successes: 10, errors: [] });
    assert.deepEqual(batches, [1, 2, 4, 3]);
  });

  it('stops after the first batch with a failure', async () => {
    let calls = 0;
    const result = await slowStartBatch(10, () => {
      calls++;
      return calls >= 3 ? Promise.reject(new Error('quota exceeded')) : Promise.resolve();
    });
    // batch 1 (call 1) ok, batch 2 (calls 2, 3) has one failure: nothing more is attempted.
    assert.equal(calls, 3);
    assert.equal(result.successes, 2);
    assert.equal(result.errors.length, 1);
  });

  it('a failing first call is the only call', async () => {
    let calls = 0;
    const result = await slowStartBatch(500, () => {
      calls++;
      return Promise.reject(new Error('forbidden'));
    });
    assert.equal(calls, 1);
    assert.equal(result.successes, 0);
  });

  it('does nothing for zero', async () => {
    assert.deepEqual(await slowStartBatch(0, () => Promise.reject(new Error('never'))), { successes: 0, errors: [] });
  });
});
