import assert from 'node:assert/strict';
import { test } from 'node:test';
import { age, humanDuration } from './duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

test('humanDuration follows apimachinery HumanDuration', () => {
  const cases: [number, string][] = [
    [-3 * s, '<invalid>'],
    [-1 * s, '0s'],
    [0, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 2 * s, '3m2s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h + 30 * m, '8h'],
    [47 * h, '47h'],
    [2 * d + 3 * h, '2d3h'],
    [7 * d, '7d'],
    [8 * d + 5 * h, '8d'],
    [365 * d, '365d'],
    [2 * 365 * d + 10 * d, '2y10d'],
    [3 * 365 * d, '3y'],
    [9 * 365 * d + 40 * d, '9y'],
  ];
  for (const [ms, want] of cases) assert.equal(humanDuration(ms), want, `${ms} ms`);
});

test('age is relative to now and <unknown> without a timestamp', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  assert.equal(age('2024-05-01T11:55:00Z', now), '5m');
  assert.equal(age('2024-05-01T11:59:58Z', now), '2s');
  assert.equal(age(undefined, now), '<unknown>');
  assert.equal(age('not a time', now), '<unknown>');
});
