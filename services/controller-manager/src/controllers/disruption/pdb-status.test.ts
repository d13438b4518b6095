import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, PodDisruptionBudget } from '@skiff/api';
import { makePod, nowRFC3339 } from '../../testing/fixtures.js';
import { countHealthy, expectedAndDesired, liveDisruptions, pdbStatus, scaledValue } from './pdb-status.js';

const pdb = (spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status']): PodDisruptionBudget => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'web', namespace: 'default', generation: 3 },
  spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
  ...(status && { status }),
});
const NOW = Date.parse('2026-01-01T01:00:00Z');
const ago = (ms: number): string => nowRFC3339(new Date(NOW - ms));

describe('PodDisruptionBudget status', () => {
  it('scales percentages rounding up, as intstr.GetScaledValueFromIntOrPercent(roundUp)', () => {
    assert.equal(scaledValue(3, 10, true), 3);
    assert.equal(scaledValue('50%', 5, true), 3);
    assert.equal(scaledValue('50%', 5, false), 2);
    assert.equal(scaledValue('10%', 5, true), 1);
    assert.equal(scaledValue('0%', 5, true), 0);
    assert.throws(() => scaledValue('2', 5, true), /not a percentage/);
  });

  it('expects the pods counted for an integer minAvailable, and the controllers’ scale otherwise', () => {
    assert.deepEqual(expectedAndDesired(pdb({ minAvailable: 2 }), 5, 99), { expectedCount: 5, desiredHealthy: 2 });
    assert.deepEqual(expectedAndDesired(pdb({ minAvailable: '50%' }), 4, 5), { expectedCount: 5, desiredHealthy: 3 });
    assert.deepEqual(expectedAndDesired(pdb({ maxUnavailable: 1 }), 4, 5), { expectedCount: 5, desiredHealthy: 4 });
    assert.deepEqual(expectedAndDesired(pdb({ maxUnavailable: '30%' }), 4, 5), { expectedCount: 5, desiredHealthy: 3 }, 'ceil(1.5) = 2 may be unavailable');
    assert.deepEqual(expectedAndDesired(pdb({ maxUnavailable: 10 }), 3, 3), { expectedCount: 3, desiredHealthy: 0 });
    assert.deepEqual(expectedAndDesired(pdb({}), 3, 3), { expectedCount: 0, desiredHealthy: 0 });
  });

  it('counts Ready pods that are neither terminating nor just disrupted', () => {
    const pods: Pod[] = [
      makePod({ name: 'a', readySince: true }),
      makePod({ name: 'b', readySince: true, deletionTimestamp: ago(0) }),
      makePod({ name: 'c', readySince: true }),
      makePod({ name: 'd' }),
    ];
    assert.equal(countHealthy(pods, {}, NOW), 3 - 1);
    assert.equal(countHealthy(pods, { c: ago(60_000) }, NOW), 1);
    assert.equal(countHealthy(pods, { c: ago(121_000) }, NOW), 2, 'a disruption older than 2 minutes no longer counts');
  });

  it('keeps disruptions of pods still there and not deleted for 2 minutes, and says when to look again', () => {
    const pods = [makePod({ name: 'a' }), makePod({ name: 'b', deletionTimestamp: ago(0) }), makePod({ name: 'c' })];
    const out = liveDisruptions(pods, { a: ago(30_000), b: ago(10_000), c: ago(130_000), gone: ago(5_000) }, NOW);
    assert.deepEqual(out.disrupted, { a: ago(30_000) });
    assert.deepEqual(out.expired, ['c']);
    assert.equal(out.recheckAt, NOW + 90_000);
    assert.deepEqual(liveDisruptions(pods, undefined, NOW), { disrupted: {}, expired: [], recheckAt: undefined });
  });

  it('allows currentHealthy − desiredHealthy disruptions, none below zero or with no pods expected', () => {
    const s = pdbStatus(pdb({ minAvailable: 2 }), { currentHealthy: 3, desiredHealthy: 2, expectedCount: 3, disrupted: {} }, NOW);
    assert.deepEqual(s, {
      observedGeneration: 3,
      currentHealthy: 3,
      desiredHealthy: 2,
      disruptionsAllowed: 1,
      expectedPods: 3,
      conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', lastTransitionTime: nowRFC3339(new Date(NOW)) }],
    });
    const none = pdbStatus(pdb({ minAvailable: 2 }, s), { currentHealthy: 1, desiredHealthy: 2, expectedCount: 3, disrupted: { a: ago(1) } }, NOW + 5_000);
    assert.equal(none.disruptionsAllowed, 0);
    assert.deepEqual(none.disruptedPods, { a: ago(1) });
    assert.deepEqual(none.conditions, [{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', lastTransitionTime: nowRFC3339(new Date(NOW + 5_000)) }]);
    assert.equal(pdbStatus(pdb({ minAvailable: 0 }), { currentHealthy: 2, desiredHealthy: 0, expectedCount: 0, disrupted: {} }, NOW).disruptionsAllowed, 0);
    // Same status: the transition time stays.
    const again = pdbStatus(pdb({ minAvailable: 2 }, s), { currentHealthy: 4, desiredHealthy: 2, expectedCount: 4, disrupted: {} }, NOW + 9_000);
    assert.equal(again.conditions?.[0]?.lastTransitionTime, nowRFC3339(new Date(NOW)));
  });
});
