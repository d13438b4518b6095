import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployment, replicaSet } from './fixtures.js';
import { classifyReplicaSets, equalIgnoreHash, revisionOf, semanticEqual } from './replica-sets.js';

test('revision: the annotation as a number, 0 without it, undefined when not a number', () => {
  assert.equal(revisionOf(replicaSet('a', 'v1', 3)), 3);
  assert.equal(revisionOf(replicaSet('a', 'v1', undefined)), 0);
  const bad = replicaSet('a', 'v1', 1);
  bad.metadata.annotations = { 'deployment.kubernetes.io/revision': 'two' };
  assert.equal(revisionOf(bad), undefined);
});

test('semantic equality: missing, null, {} and [] are the same; values are not', () => {
  assert.ok(semanticEqual({ a: 1, b: {} }, { a: 1 }));
  assert.ok(semanticEqual({ a: [] }, { a: null }));
  assert.ok(!semanticEqual({ a: 1 }, { a: 2 }));
  assert.ok(!semanticEqual({ a: [1] }, { a: [1, 2] }));
});

test('templates compare without the pod-template-hash label', () => {
  const d = deployment('skiff/demo-web:v1');
  assert.ok(equalIgnoreHash(replicaSet('aaa', 'skiff/demo-web:v1', 1).spec.template, d.spec.template));
  assert.ok(!equalIgnoreHash(replicaSet('aaa', 'skiff/demo-web:v2', 1).spec.template, d.spec.template));
});

test('classify: owned ReplicaSets only, the oldest matching one is new, the rest old (oldest first)', () => {
  const d = deployment('skiff/demo-web:v2');
  const v1 = replicaSet('v1', 'skiff/demo-web:v1', 1, { created: '2024-05-01T11:00:01Z' });
  const v2 = replicaSet('v2', 'skiff/demo-web:v2', 2, { created: '2024-05-01T11:05:00Z' });
  const v2dup = replicaSet('v2b', 'skiff/demo-web:v2', 3, { created: '2024-05-01T11:06:00Z' });
  const foreign = replicaSet('x', 'skiff/demo-web:v2', 1, { owner: 'someone-else', created: '2024-05-01T10:00:00Z' });
  const { newRS, oldRSs } = classifyReplicaSets(d, [v2dup, foreign, v2, v1]);
  assert.equal(newRS?.metadata.name, 'web-v2');
  assert.deepEqual(oldRSs.map((rs) => rs.metadata.name), ['web-v1', 'web-v2b']);
  assert.equal(classifyReplicaSets(deployment('skiff/demo-web:v3'), [v1, v2]).newRS, undefined);
});
