import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeDeployment } from '../../testing/deployment-fixtures.js';
import { maxSurge, maxUnavailable, resolveFenceposts, scaledValue, withDefaults } from './fenceposts.js';

describe('resolveFenceposts', () => {
  it('takes numbers as they are', () => {
    assert.deepEqual(resolveFenceposts(1, 0, 4), { surge: 1, unavailable: 0 });
    assert.deepEqual(resolveFenceposts(3, 2, 10), { surge: 3, unavailable: 2 });
  });

  it('rounds a percentage of surge up and of unavailability down', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 4), { surge: 1, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('25%', '25%', 10), { surge: 3, unavailable: 2 }, '2.5 → 3 and 2');
    assert.deepEqual(resolveFenceposts('25%', '25%', 5), { surge: 2, unavailable: 1 }, '1.25 → 2 and 1');
    assert.deepEqual(resolveFenceposts('30%', '30%', 7), { surge: 3, unavailable: 2 }, '2.1 → 3 and 2');
    assert.deepEqual(resolveFenceposts('50%', '50%', 3), { surge: 2, unavailable: 1 }, '1.5 → 2 and 1');
    assert.deepEqual(resolveFenceposts('10%', '10%', 30), { surge: 3, unavailable: 3 }, 'exact percentages stay exact');
  });

  it('makes maxUnavailable 1 when both come to 0, as Kubernetes', () => {
    assert.deepEqual(resolveFenceposts(0, 0, 4), { surge: 0, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('0%', '10%', 3), { surge: 0, unavailable: 1 }, '10% of 3 rounds down to 0');
    assert.deepEqual(resolveFenceposts('1%', '1%', 1), { surge: 1, unavailable: 0 }, 'a surge of 1 leaves unavailability at 0');
    assert.deepEqual(resolveFenceposts(undefined, undefined, 5), { surge: 0, unavailable: 1 });
  });

  it('refuses a string that is not a percentage', () => {
    assert.throws(() => scaledValue('3', 10, true), /string is not a percentage/);
    assert.throws(() => scaledValue('abc%', 10, true), /string is not a percentage/);
  });
});

describe('maxSurge and maxUnavailable of a Deployment', () => {
  it('defaults to RollingUpdate 25%/25%', () => {
    const d = withDefaults(makeDeployment({ replicas: 4 }));
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(maxSurge(d), 1);
    assert.equal(maxUnavailable(d), 1);
  });

  it('is 0 for Recreate, and unavailability is never more than the replicas', () => {
    const recreate = withDefaults(makeDeployment({ replicas: 4, strategy: { type: 'Recreate' } }));
    assert.equal(maxSurge(recreate), 0);
    assert.equal(maxUnavailable(recreate), 0);
    assert.equal(maxUnavailable(withDefaults(makeDeployment({ replicas: 2, maxSurge: 0, maxUnavailable: 5 }))), 2);
    assert.equal(maxUnavailable(withDefaults(makeDeployment({ replicas: 0 }))), 0);
  });
});
