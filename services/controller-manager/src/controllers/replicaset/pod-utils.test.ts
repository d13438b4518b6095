import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makePod } from '../../testing/fixtures.js';
import { isPodActive, isPodAvailable, msUntilAvailable, podsToDelete } from './pod-utils.js';

const names = (pods: readonly { metadata: { name?: string } }[]): (string | undefined)[] => pods.map((p) => p.metadata.name);

describe('pod activity and availability', () => {
  it('terminating and finished pods are not active', () => {
    assert.equal(isPodActive(makePod()), true);
    assert.equal(isPodActive(makePod({ deletionTimestamp: '2026-01-01T00:00:00Z' })), false);
    assert.equal(isPodActive(makePod({ phase: 'Succeeded' })), false);
    assert.equal(isPodActive(makePod({ phase: 'Failed' })), false);
  });

  it('a ready pod is available once it has been ready for minReadySeconds', () => {
    const pod = makePod({ readySince: '2026-01-01T00:00:00Z' });
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(isPodAvailable(pod, 0, t0), true);
    assert.equal(isPodAvailable(pod, 10, t0 + 9_000), false);
    assert.equal(msUntilAvailable(pod, 10, t0 + 9_000), 1_000);
    assert.equal(isPodAvailable(pod, 10, t0 + 10_000), true);
    assert.equal(msUntilAvailable(makePod(), 10, t0), undefined, 'not ready: never available');
  });
});

describe('podsToDelete (ActivePods order)', () => {
  it('deletes unscheduled before scheduled', () => {
    const scheduled = makePod({ name: 'scheduled', nodeName: 'n1', phase: 'Pending' });
    const unscheduled = makePod({ name: 'unscheduled', phase: 'Pending' });
    assert.deepEqual(names(podsToDelete([scheduled, unscheduled], [], 1)), ['unscheduled']);
  });

  it('deletes Pending before Running', () => {
    const running = makePod({ name: 'running', nodeName: 'n1', phase: 'Running' });
    const pending = makePod({ name: 'pending', nodeName: 'n1', phase: 'Pending' });
    assert.deepEqual(names(podsToDelete([running, pending], [], 1)), ['pending']);
  });

  it('deletes not-ready before ready', () => {
    const ready = makePod({ name: 'ready', nodeName: 'n1', readySince: true });
    const notReady = makePod({ name: 'not-ready', nodeName: 'n1' });
    assert.deepEqual(names(podsToDelete([ready, notReady], [], 1)), ['not-ready']);
  });

  it('deletes the pod with more restarts first', () => {
    const calm = makePod({ name: 'calm', nodeName: 'n1', restarts: 0 });
    const crashy = makePod({ name: 'crashy', nodeName: 'n1', restarts: 4 });
    assert.deepEqual(names(podsToDelete([calm, crashy], [], 1)), ['crashy']);
  });

  it('deletes the newer pod first', () => {
    const old = makePod({ name: 'old', nodeName: 'n1', created: '2026-01-01T00:00:00Z' });
    const young = makePod({ name: 'young', nodeName: 'n1', created: '2026-01-02T00:00:00Z' });
    assert.deepEqual(names(podsToDelete([old, young], [], 1)), ['young']);
  });

  it('deletes from the node with more pods of the set first', () => {
    const a1 = makePod({ name: 'a1', nodeName: 'a' });
    const a2 = makePod({ name: 'a2', nodeName: 'a' });
    const b1 = makePod({ name: 'b1', nodeName: 'b', created: '2026-01-05T00:00:00Z' });
    const all = [a1, a2, b1];
    const chosen = podsToDelete(all, all, 1);
    assert.equal(chosen[0]?.spec.nodeName, 'a', 'the newer pod on b is kept because a has two');
  });

  it('applies the criteria in order: phase beats readiness beats restarts beats age', () => {
    const pods = [
      makePod({ name: 'running-ready-old', nodeName: 'n', readySince: true, created: '2026-01-01T00:00:00Z' }),
      makePod({ name: 'running-ready-young', nodeName: 'n', readySince: true, created: '2026-01-03T00:00:00Z' }),
      makePod({ name: 'running-notready-restarts', nodeName: 'n', restarts: 3 }),
      makePod({ name: 'pending', nodeName: 'n', phase: 'Pending' }),
      makePod({ name: 'unscheduled', phase: 'Pending' }),
    ];
    assert.deepEqual(names(podsToDelete(pods, [], 5)), [
      'unscheduled',
      'pending',
      'running-notready-restarts',
      'running-ready-young',
      'running-ready-old',
    ]);
  });
});
