import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPLICA_FAILURE, statusChanged, withReplicaFailure } from './replicaset-status.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('ReplicaSet status helpers', () => {
  it('sets ReplicaFailure on a failed create and clears it after a clean sync', () => {
    const base = { replicas: 1, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1, observedGeneration: 1 };
    const failed = withReplicaFailure(base, { reason: 'FailedCreate', message: 'pods "x" is forbidden' }, NOW);
    assert.equal(failed.conditions?.length, 1);
    assert.deepEqual(failed.conditions?.[0], {
      type: REPLICA_FAILURE,
      status: 'True',
      reason: 'FailedCreate',
      message: 'pods "x" is forbidden',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    });
    const again = withReplicaFailure(failed, { reason: 'FailedCreate', message: 'another message' }, NOW + 60_000);
    assert.equal(again.conditions?.[0]?.lastTransitionTime, '2026-01-01T00:00:00Z', 'an existing condition is kept');
    const cleared = withReplicaFailure(failed, undefined, NOW);
    assert.equal(cleared.conditions, undefined);
  });

  it('statusChanged ignores absent-versus-zero and sees real changes', () => {
    const current = { replicas: 2, observedGeneration: 3 };
    assert.equal(statusChanged(current, { replicas: 2, fullyLabeledReplicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 3 }), false);
    assert.equal(statusChanged(current, { replicas: 2, readyReplicas: 1, observedGeneration: 3 }), true);
    assert.equal(statusChanged(current, { replicas: 2, observedGeneration: 4 }), true, 'a new generation is observed');
    assert.equal(statusChanged(undefined, { replicas: 0 }), false);
  });
});
