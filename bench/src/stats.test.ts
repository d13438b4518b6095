import assert from 'node:assert/strict';
import { test } from 'node:test';
import { percentile, summarize, table } from './stats.js';

test('nearest-rank percentiles', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile(xs, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.equal(percentile([3, 1, 2], 50), 2);
  assert.deepEqual(summarize([1, 2, 3, 4]), { n: 4, p50: 2, p99: 4, max: 4, mean: 2.5 });
});

test('table aligns columns', () => {
  assert.equal(table(['name', 'v'], [['a', '10'], ['bbb', '2']]), 'name   v\n----  --\na     10\nbbb    2');
});
