import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeDeployment, ownedRs } from '../../testing/deployment-fixtures.js';
import { withDefaults } from './fenceposts.js';
import {
  findActiveOrLatest,
  findNewReplicaSet,
  getProportion,
  isSaturated,
  newRSNewReplicas,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  setNewReplicaSetAnnotations,
} from './replica-sets.js';

describe('newRSNewReplicas', () => {
  it('grows the new RS within desired + maxSurge pods in all, never past desired', () => {
    const d = withDefaults(makeDeployment({ replicas: 4, maxSurge: 1, maxUnavailable: 0 }));
    const old = ownedRs(d, { replicas: 4 });
    const fresh = ownedRs(d, { image: 'v2', replicas: 0 });
    assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 1, '4 + 1 surge allows one new pod');
    assert.equal(newRSNewReplicas(d, [{ ...old, spec: { ...old.spec, replicas: 3 } }, { ...fresh, spec: { ...fresh.spec, replicas: 1 } }], { ...fresh, spec: { ...fresh.spec, replicas: 1 } }), 2);
    assert.equal(newRSNewReplicas(d, [fresh], fresh), 4, 'no old pods: straight to desired');
    const recreate = withDefaults(makeDeployment({ replicas: 4, strategy: { type: 'Recreate' } }));
    assert.equal(newRSNewReplicas(recreate, [old, fresh], fresh), 4);
  });
});

describe('getProportion', () => {
  it('splits a mid-rollout scale-up in proportion, as in the Kubernetes documentation', () => {
    // 10 replicas, maxSurge 3: old RS 8, new RS 5 (13 = 10 + 3); scaled to 15 → 5 more to give out.
    const d = withDefaults(makeDeployment({ replicas: 15, maxSurge: 3, maxUnavailable: 2, status: { replicas: 13 } }));
    const old = ownedRs(d, { replicas: 8, max: 13 });
    const fresh = ownedRs(d, { image: 'v2', replicas: 5, max: 13 });
    assert.equal(getProportion(old, d, 5, 0), 3, 'round(8 * 18 / 13) - 8');
    assert.equal(getProportion(fresh, d, 5, 3), 2, 'round(5 * 18 / 13) - 5');
    assert.equal(getProportion(fresh, d, 5, 5), 0, 'nothing left to give');
  });

  it('never gives out more than is left, in either direction', () => {
    const d = withDefaults(makeDeployment({ replicas: 100, maxSurge: 0, maxUnavailable: 1 }));
    const rs = ownedRs(d, { replicas: 10, max: 10 });
    assert.equal(getProportion(rs, d, 4, 1), 3, 'fraction 90, but only 3 left');
    const down = withDefaults(makeDeployment({ replicas: 1, maxSurge: 0, maxUnavailable: 1 }));
    assert.equal(getProportion(rs, down, -2, 0), -2, 'fraction -9, but only -2 to remove');
    assert.equal(getProportion(rs, withDefaults(makeDeployment({ replicas: 0 })), -20, 0), -10, 'to zero: its whole size');
    assert.equal(getProportion(ownedRs(d, { replicas: 0 }), d, 4, 0), 0, 'never from zero');
  });
});

describe('revisions and annotations', () => {
  it('gives a new RS the next revision, the replicas annotations and the change-cause', () => {
    const d = withDefaults(makeDeployment({ replicas: 4, annotations: { 'kubernetes.io/change-cause': 'v2 please', [REVISION_ANNOTATION]: '1' } }));
    const rs = ownedRs(d, { replicas: 0 });
    assert.ok(setNewReplicaSetAnnotations(d, rs, 2, false));
    assert.deepEqual(rs.metadata.annotations, {
      'kubernetes.io/change-cause': 'v2 please',
      [REVISION_ANNOTATION]: '2',
      'deployment.kubernetes.io/desired-replicas': '4',
      'deployment.kubernetes.io/max-replicas': '5',
    });
    assert.ok(!setNewReplicaSetAnnotations(d, rs, 2, true), 'nothing changes a second time');
    assert.ok(!setNewReplicaSetAnnotations(d, rs, 1, true), 'a revision never goes down');
  });

  it('keeps the revisions an RS served before in revision-history when it comes back (rollback)', () => {
    const d = withDefaults(makeDeployment());
    const rs = ownedRs(d, { replicas: 0, revision: 1 });
    setNewReplicaSetAnnotations(d, rs, 3, true);
    assert.equal(rs.metadata.annotations?.[REVISION_ANNOTATION], '3');
    assert.equal(rs.metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
    setNewReplicaSetAnnotations(d, rs, 5, true);
    assert.equal(rs.metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1,3');
  });
});

describe('finding ReplicaSets', () => {
  it('the new RS is the oldest with the current template; the active or latest is the only active one', () => {
    const d = withDefaults(makeDeployment({ replicas: 3 }));
    const v1 = ownedRs(d, { replicas: 3, created: '2026-01-01T00:00:01Z' });
    const v2 = ownedRs(d, { image: 'v2', replicas: 0, created: '2026-01-01T00:00:02Z' });
    assert.equal(findNewReplicaSet(d, [v2, v1]), v1);
    assert.equal(findActiveOrLatest(v1, [v2]), v1);
    assert.equal(findActiveOrLatest(undefined, [v1, { ...v2, spec: { ...v2.spec, replicas: 1 } }]), undefined, 'two active');
    assert.equal(findActiveOrLatest(undefined, [{ ...v1, spec: { ...v1.spec, replicas: 0 } }, v2]), v2, 'none active: the newest');
  });

  it('a new RS is saturated once it runs and knows every desired replica', () => {
    const d = withDefaults(makeDeployment({ replicas: 3 }));
    assert.ok(isSaturated(d, ownedRs(d, { replicas: 3, desired: 3 })));
    assert.ok(!isSaturated(d, ownedRs(d, { replicas: 3, desired: 3, available: 2 })));
    assert.ok(!isSaturated(d, ownedRs(d, { replicas: 3, desired: 2 })));
    assert.ok(!isSaturated(d, undefined));
  });
});
