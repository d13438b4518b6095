import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodTemplateSpec } from '@skiff/api';
import { canonicalJson, computeHash, equalIgnoreHash, safeEncode } from './pod-template-hash.js';

const template = (image = 'skiff/demo-web:v1', labels: Record<string, string> = { app: 'web' }): PodTemplateSpec => ({
  metadata: { labels },
  spec: { containers: [{ name: 'web', image }] },
});

describe('pod-template-hash', () => {
  it('maps decimal digits onto the safe alphabet, as rand.SafeEncodeString', () => {
    assert.equal(safeEncode('0123456789'), '456789bcdf');
  });

  it('is a stable short string of safe characters', () => {
    const h = computeHash(template());
    assert.match(h, /^[4-9bcdf]{1,10}$/);
    assert.equal(computeHash(template()), h, 'the same template gives the same hash');
    const reordered: PodTemplateSpec = { spec: { containers: [{ image: 'skiff/demo-web:v1', name: 'web' }] }, metadata: { labels: { app: 'web' } } };
    assert.equal(computeHash(reordered), h, 'key order does not matter');
    assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: undefined }] }), '{"a":[2,{"d":3}],"b":1}');
  });

  it('changes with the template and with the collision count', () => {
    const h = computeHash(template());
    assert.notEqual(computeHash(template('skiff/demo-web:v2')), h);
    assert.notEqual(computeHash(template(), 1), h);
    assert.notEqual(computeHash(template(), 1), computeHash(template(), 2));
    assert.equal(computeHash(template(), 1), computeHash(template(), 1));
  });

  it('compares templates ignoring only the pod-template-hash label', () => {
    assert.ok(equalIgnoreHash(template(), template('skiff/demo-web:v1', { app: 'web', 'pod-template-hash': 'abc' })));
    assert.ok(!equalIgnoreHash(template(), template('skiff/demo-web:v2', { app: 'web', 'pod-template-hash': 'abc' })));
    assert.ok(!equalIgnoreHash(template(), template('skiff/demo-web:v1', { app: 'web', tier: 'x' })));
  });
});
