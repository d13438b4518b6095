import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveGracePeriod, parseCascade } from './delete.js';

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

test('--cascade maps to the propagationPolicy; legacy true/false warn', () => {
  assert.deepEqual(parseCascade(undefined), { policy: 'Background' });
  assert.deepEqual(parseCascade(true), { policy: 'Background' });
  assert.deepEqual(parseCascade('foreground'), { policy: 'Foreground' });
  assert.deepEqual(parseCascade('orphan'), { policy: 'Orphan' });
  assert.equal(parseCascade('false').policy, 'Orphan');
  assert.match(parseCascade('false').warning ?? '', /--cascade=false is deprecated \(boolean value\) and can be replaced with --cascade=orphan/);
  assert.equal(parseCascade('true').policy, 'Background');
  assert.throws(() => parseCascade('later'), /invalid cascade value \(later\)\. Must be "background", "foreground", or "orphan"/);
});
