import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { at, makePod, makeReplicaSet, ownerRefTo } from '../../testing/fixtures.js';
import { claimPods, controllerRefFor, planReplicaSet } from './plan.js';

const NOW = at('2026-01-01T00:10:00Z');
const names = (pods: readonly { metadata: { name?: string } }[]): (string | undefined)[] => pods.map((p) => p.metadata.name).sort();

describe('planReplicaSet: scaling', () => {
  it('creates the missing replicas', () => {
    const rs = makeReplicaSet({ replicas: 3 });
    const plan = planReplicaSet(rs, [makePod({ owner: rs })], NOW);
    assert.equal(plan.create, 2);
    assert.deepEqual(plan.delete, []);
  });

  it('creates nothing when the count is right', () => {
    const rs = makeReplicaSet({ replicas: 2 });
    const plan = planReplicaSet(rs, [makePod({ owner: rs }), makePod({ owner: rs })], NOW);
    assert.equal(plan.create, 0);
    assert.deepEqual(plan.delete, []);
  });

  it('deletes the surplus, most deletable first', () => {
    const rs = makeReplicaSet({ replicas: 2 });
    const pods = [
      makePod({ name: 'a', owner: rs, nodeName: 'n1', readySince: true }),
      makePod({ name: 'b', owner: rs, nodeName: 'n2', readySince: true }),
      makePod({ name: 'c', owner: rs, phase: 'Pending' }),
      makePod({ name: 'd', owner: rs, nodeName: 'n1', phase: 'Pending' }),
    ];
    const plan = planReplicaSet(rs, pods, NOW);
    assert.equal(plan.create, 0);
    assert.deepEqual(plan.delete.map((p) => p.metadata.name), ['c', 'd']);
  });

  it('defaults spec.replicas to 1', () => {
    const rs = makeReplicaSet();
    delete rs.spec.replicas;
    assert.equal(planReplicaSet(rs, [], NOW).create, 1);
  });

  it('scales to zero', () => {
    const rs = makeReplicaSet({ replicas: 0 });
    const plan = planReplicaSet(rs, [makePod({ owner: rs }), makePod({ owner: rs })], NOW);
    assert.equal(plan.delete.length, 2);
  });

  it('does not count terminating or finished pods, and replaces them', () => {
    const rs = makeReplicaSet({ replicas: 3 });
    const pods = [
      makePod({ owner: rs }),
      makePod({ owner: rs, deletionTimestamp: '2026-01-01T00:09:00Z' }),
      makePod({ owner: rs, phase: 'Failed' }),
    ];
    const plan = planReplicaSet(rs, pods, NOW);
    assert.equal(plan.create, 2);
    assert.equal(plan.status.replicas, 1);
  });

  it('never deletes a terminating pod again', () => {
    const rs = makeReplicaSet({ replicas: 1 });
    const pods = [makePod({ name: 'live', owner: rs }), makePod({ name: 'going', owner: rs, deletionTimestamp: '2026-01-01T00:09:00Z' })];
    const plan = planReplicaSet(rs, pods, NOW);
    assert.deepEqual(plan.delete, []);
    assert.equal(plan.create, 0);
  });

  it('neither creates nor deletes while expectations are pending', () => {
    const rs = makeReplicaSet({ replicas: 3 });
    const plan = planReplicaSet(rs, [], NOW, { expectationsSatisfied: false });
    assert.equal(plan.create, 0);
    const big = makeReplicaSet({ replicas: 0 });
    assert.deepEqual(planReplicaSet(big, [makePod({ owner: big })], NOW, { expectationsSatisfied: false }).delete, []);
  });

  it('caps one sync at burstReplicas', () => {
    const rs = makeReplicaSet({ replicas: 1000 });
    assert.equal(planReplicaSet(rs, [], NOW, { burstReplicas: 500 }).create, 500);
  });

  it('does not manage replicas of a ReplicaSet being deleted', () => {
    const rs = makeReplicaSet({ replicas: 3, deletionTimestamp: '2026-01-01T00:09:00Z' });
    const plan = planReplicaSet(rs, [], NOW);
    assert.equal(plan.create, 0);
  });
});

describe('claimPods: adoption and release', () => {
  it('adopts a matching orphan and counts it', () => {
    const rs = makeReplicaSet({ replicas: 2 });
    const orphan = makePod({ name: 'orphan', labels: { app: 'web' } });
    const plan = planReplicaSet(rs, [orphan, makePod({ owner: rs })], NOW);
    assert.deepEqual(names(plan.adopt), ['orphan']);
    assert.equal(plan.create, 0, 'the adopted orphan is one of the replicas');
    assert.equal(plan.status.replicas, 2);
  });

  it('does not adopt orphans that do not match, are terminating, or live in another namespace', () => {
    const rs = makeReplicaSet();
    const pods = [
      makePod({ name: 'other-labels', labels: { app: 'db' } }),
      makePod({ name: 'terminating', deletionTimestamp: '2026-01-01T00:00:00Z' }),
      makePod({ name: 'elsewhere', namespace: 'other' }),
      makePod({ name: 'finished', phase: 'Succeeded' }),
    ];
    assert.deepEqual(claimPods(rs, pods).adopt, []);
  });

  it('does not adopt pods controlled by another owner', () => {
    const rs = makeReplicaSet();
    const other = makeReplicaSet({ name: 'other', uid: 'other-uid', labels: { app: 'web' } });
    const claimed = claimPods(rs, [makePod({ owner: other })]);
    assert.deepEqual(claimed.adopt, []);
    assert.deepEqual(claimed.owned, []);
  });

  it('adopts a pod that only has non-controller owners', () => {
    const rs = makeReplicaSet();
    const pod = makePod({ name: 'p', owner: { ...ownerRefTo(makeReplicaSet({ name: 'x', uid: 'x' })), controller: false } });
    assert.deepEqual(names(claimPods(rs, [pod]).adopt), ['p']);
  });

  it('releases an owned pod whose labels no longer match', () => {
    const rs = makeReplicaSet({ replicas: 1 });
    const relabelled = makePod({ name: 'debug', owner: rs, labels: { app: 'debugging' } });
    const plan = planReplicaSet(rs, [relabelled], NOW);
    assert.deepEqual(names(plan.release), ['debug']);
    assert.equal(plan.create, 1, 'the released pod is replaced');
  });

  it('neither adopts nor releases while the ReplicaSet is being deleted', () => {
    const rs = makeReplicaSet({ deletionTimestamp: '2026-01-01T00:00:00Z' });
    const claimed = claimPods(rs, [makePod({ name: 'orphan' }), makePod({ name: 'mine', owner: rs, labels: { app: 'x' } })]);
    assert.deepEqual(claimed.adopt, []);
    assert.deepEqual(claimed.release, []);
  });

  it('never adopts with an empty selector', () => {
    const rs = makeReplicaSet();
    rs.spec.selector = {};
    assert.deepEqual(claimPods(rs, [makePod()]).adopt, []);
  });

  it('keeps a terminating pod owned without counting it', () => {
    const rs = makeReplicaSet({ replicas: 1 });
    const going = makePod({ owner: rs, labels: { app: 'changed' }, deletionTimestamp: '2026-01-01T00:00:00Z' });
    const claimed = claimPods(rs, [going]);
    assert.equal(claimed.owned.length, 1);
    assert.deepEqual(claimed.release, []);
    assert.equal(planReplicaSet(rs, [going], NOW).status.replicas, 0);
  });

  it('builds the controller reference Kubernetes sets', () => {
    const rs = makeReplicaSet({ name: 'web', uid: 'u1' });
    assert.deepEqual(controllerRefFor(rs), {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      name: 'web',
      uid: 'u1',
      controller: true,
      blockOwnerDeletion: true,
    });
  });
});

describe('planReplicaSet: status', () => {
  it('counts replicas, fully labelled, ready and available pods', () => {
    const rs = makeReplicaSet({ replicas: 3, generation: 4 });
    rs.spec.template.metadata = { labels: { app: 'web', tier: 'front' } };
    const pods = [
      makePod({ owner: rs, labels: { app: 'web', tier: 'front' }, readySince: true }),
      makePod({ owner: rs, labels: { app: 'web' }, readySince: true }),
      makePod({ owner: rs, labels: { app: 'web', tier: 'front' } }),
    ];
    const { status } = planReplicaSet(rs, pods, NOW);
    assert.deepEqual(status, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 4 });
  });

  it('a pod is available only after minReadySeconds, and the plan asks to look again then', () => {
    const rs = makeReplicaSet({ replicas: 2, minReadySeconds: 30 });
    const pods = [
      makePod({ owner: rs, readySince: '2026-01-01T00:09:50Z' }), // ready 10 s ago: 20 s to go
      makePod({ owner: rs, readySince: '2026-01-01T00:00:00Z' }), // ready long ago
    ];
    const plan = planReplicaSet(rs, pods, NOW);
    assert.equal(plan.status.readyReplicas, 2);
    assert.equal(plan.status.availableReplicas, 1);
    assert.equal(plan.requeueAfterMs, 20_000);
    const later = planReplicaSet(rs, pods, NOW + 20_000);
    assert.equal(later.status.availableReplicas, 2);
    assert.equal(later.requeueAfterMs, undefined);
  });

  it('status counts adopted pods and not released ones', () => {
    const rs = makeReplicaSet({ replicas: 2 });
    const pods = [makePod({ readySince: true }), makePod({ owner: rs, labels: { app: 'gone' }, readySince: true })];
    const { status } = planReplicaSet(rs, pods, NOW);
    assert.equal(status.replicas, 1);
    assert.equal(status.readyReplicas, 1);
  });
});
