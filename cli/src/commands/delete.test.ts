import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveGracePeriod, parseDuration } from './delete.js';

test('--timeout takes Go durations', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.throws(() => parseDuration('soon'), /invalid duration "soon"/);
  assert.throws(() => parseDuration('10'), /invalid duration/);
});

test('grace period: --now is 1 s, 0 needs --force, unset leaves the default', () => {
  assert.equal(effectiveGracePeriod({}), undefined);
  assert.equal(effectiveGracePeriod({ gracePeriod: -1 }), undefined);
  assert.equal(effectiveGracePeriod({ now: true }), 1);
  assert.equal(effectiveGracePeriod({ gracePeriod: 5 }), 5);
  assert.equal(effectiveGracePeriod({ gracePeriod: 0 }), 1);
  assert.equal(effectiveGracePeriod({ gracePeriod: 0, force: true }), 0);
  assert.equal(effectiveGracePeriod({ force: true }), 0);
  assert.throws(() => effectiveGracePeriod({ now: true, gracePeriod: 3 }), /--now and --grace-period cannot be specified together/);
});
