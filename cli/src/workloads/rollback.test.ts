import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployment, replicaSet } from './fixtures.js';
import { applyRollback, planRollback, replicaSetForRevision } from './rollback.js';

const v1 = replicaSet('aaa', 'skiff/demo-web:v1', 1, { changeCause: 'first' });
const v2 = replicaSet('bbb', 'skiff/demo-web:v2', 2);
const v3 = replicaSet('ccc', 'skiff/demo-web:v3', 3, { replicas: 4 });

test('undo without --to-revision picks the second-newest revision', () => {
  assert.equal(replicaSetForRevision('web', [v3, v1, v2], 0), v2);
  assert.equal(replicaSetForRevision('web', [v1, v3], 0), v1);
});

test('--to-revision picks that revision; a missing or negative one is an error', () => {
  assert.equal(replicaSetForRevision('web', [v1, v2, v3], 1), v1);
  assert.throws(() => replicaSetForRevision('web', [v1, v2, v3], 7), /^Error: unable to find specified revision 7 in history$/);
  assert.throws(() => replicaSetForRevision('web', [v1, v2, v3], -1), /unable to find specified revision -1 in history/);
});

test('undo with a single revision has nothing to go back to', () => {
  assert.throws(() => replicaSetForRevision('web', [v3], 0), /no rollout history found for deployment "web"/);
  assert.throws(() => replicaSetForRevision('web', [], 0), /no rollout history found/);
});

test("rollback restores the ReplicaSet's template without the hash and its annotations", () => {
  const d = deployment('skiff/demo-web:v3', {
    annotations: { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'third', 'team': 'a' },
  });
  const plan = planRollback(d, v1, 1);
  assert.equal(plan.kind, 'restore');
  if (plan.kind !== 'restore') return;
  assert.deepEqual(plan.template.metadata?.labels, { app: 'web' });
  assert.equal(plan.template.spec.containers[0]?.image, 'skiff/demo-web:v1');
  // The Deployment keeps its revision; everything else comes from the ReplicaSet.
  assert.deepEqual(plan.annotations, { 'deployment.kubernetes.io/revision': '3', 'kubernetes.io/change-cause': 'first' });
  const rolled = applyRollback(d, plan);
  assert.equal(rolled.spec.template.spec.containers[0]?.image, 'skiff/demo-web:v1');
  assert.equal(rolled.spec.replicas, 4);
  assert.equal(d.spec.template.spec.containers[0]?.image, 'skiff/demo-web:v3', 'the input is not changed');
});

test('rollback to the current template is skipped; a paused Deployment is refused', () => {
  assert.deepEqual(planRollback(deployment('skiff/demo-web:v3'), v3, 0), { kind: 'skip', result: 'skipped rollback (current template already matches revision 0)' });
  assert.throws(() => planRollback(deployment('skiff/demo-web:v3', { paused: true }), v1, 1), /you cannot rollback a paused deployment; resume it first with 'skiff rollout resume deployment\/web'/);
});
