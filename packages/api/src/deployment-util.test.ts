import { test } from 'node:test';
import assert from 'node:assert/strict';
import { equalIgnoreHash, revisionOf } from './deployment-util.js';
import type { PodTemplateSpec } from './types.js';

const template = (labels: Record<string, string>, extra: Partial<PodTemplateSpec['spec']> = {}): PodTemplateSpec => ({
  metadata: { labels },
  spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }], ...extra },
});

test('templates are equal ignoring pod-template-hash, with missing and empty values alike (Semantic.DeepEqual)', () => {
  assert.equal(equalIgnoreHash(template({ app: 'web', 'pod-template-hash': 'abc' }), template({ app: 'web' })), true);
  assert.equal(equalIgnoreHash(template({ app: 'web' }, { tolerations: [] }), template({ app: 'web' })), true);
  assert.equal(equalIgnoreHash(template({ app: 'web' }, { nodeSelector: {} }), template({ app: 'web' })), true);
  assert.equal(equalIgnoreHash(template({ app: 'web' }), template({ app: 'api' })), false);
  const v2 = template({ app: 'web' });
  v2.spec.containers[0]!.image = 'skiff/demo-web:v2';
  assert.equal(equalIgnoreHash(template({ app: 'web' }), v2), false);
});

test('revisionOf: 0 without the annotation, undefined when it is not a number', () => {
  const obj = (annotations?: Record<string, string>) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: annotations ? { annotations } : {} });
  assert.equal(revisionOf(obj()), 0);
  assert.equal(revisionOf(obj({ 'deployment.kubernetes.io/revision': '3' })), 3);
  assert.equal(revisionOf(obj({ 'deployment.kubernetes.io/revision': 'x' })), undefined);
});
