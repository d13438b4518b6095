import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S, checkSchema, pruneNulls } from './schema.js';

const schema = S.object({
  metadata: S.object({ name: S.string, labels: S.map(S.string) }),
  spec: S.object({ replicas: S.integer, containers: S.array(S.object({ name: S.string, cpu: S.quantity })) }),
});

test('checkSchema names each unknown field by its path', () => {
  const problems = checkSchema(
    { metadata: { name: 'a', uid2: 'x' }, spec: { containers: [{ name: 'c' }, { name: 'd', securityContext: {} }] }, extra: 1 },
    schema,
  );
  assert.deepEqual(
    problems.map((p) => p.message),
    ['unknown field "metadata.uid2"', 'unknown field "spec.containers[1].securityContext"', 'unknown field "extra"'],
  );
});

test('checkSchema reports wrong JSON types', () => {
  const problems = checkSchema({ spec: { replicas: '3', containers: {} }, metadata: { labels: { a: 1 } } }, schema);
  assert.deepEqual(
    problems.map((p) => [p.kind, p.path]),
    [
      ['type', 'spec.replicas'],
      ['type', 'spec.containers'],
      ['type', 'metadata.labels[a]'],
    ],
  );
  assert.match(problems[0]?.message ?? '', /cannot unmarshal string into field spec\.replicas of type integer/);
});

test('checkSchema accepts nulls, numbers as quantities and integers as integers', () => {
  assert.deepEqual(checkSchema({ metadata: null, spec: { replicas: 2, containers: [{ name: 'a', cpu: 1 }, { cpu: '100m' }] } }, schema), []);
  assert.equal(checkSchema({ spec: { replicas: 1.5 } }, schema).length, 1);
});

test('pruneNulls drops null keys at every depth', () => {
  assert.deepEqual(pruneNulls({ a: null, b: { c: null, d: 1 }, e: [{ f: null }] }), { b: { d: 1 }, e: [{}] });
});

test('S.object keeps a required list as documentation only: checkSchema does not report missing fields', () => {
  const withRequired = S.object({ name: S.string, image: S.string }, { required: ['name'] });
  assert.equal(withRequired.type, 'object');
  assert.deepEqual(withRequired.type === 'object' ? withRequired.required : undefined, ['name']);
  assert.deepEqual(checkSchema({ image: 'x' }, withRequired), []);
  assert.deepEqual(
    checkSchema({ image: 1, other: true }, withRequired).map((p) => [p.kind, p.path]),
    [
      ['type', 'image'],
      ['unknown', 'other'],
    ],
  );
  // No list (or an empty one) leaves the schema exactly as before.
  assert.deepEqual(S.object({ a: S.string }, { required: [] }), { type: 'object', fields: { a: S.string } });
});
