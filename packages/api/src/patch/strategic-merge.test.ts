// Cases from kubernetes/community's strategic-merge-patch.md and from what kubectl 1.32 sends
// (../shared/notes/kubectl-captures: apply2, rollout restart).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { patchMetaFor } from './patch-meta.js';
import { applyStrategicMergePatch, PatchError } from './strategic-merge.js';

const pod = patchMetaFor('Pod');
const deploy = patchMetaFor('Deployment');

test('containers merge by name instead of being replaced', () => {
  const original = { spec: { containers: [{ name: 'nginx', image: 'nginx-1.0' }] } };
  const out = applyStrategicMergePatch(original, { spec: { containers: [{ name: 'log-tailer', image: 'log-tailer-1.0' }] } }, pod);
  assert.deepEqual(out, { spec: { containers: [{ name: 'nginx', image: 'nginx-1.0' }, { name: 'log-tailer', image: 'log-tailer-1.0' }] } });
});

test("kubectl apply's re-apply patch changes one container's image and keeps the order", () => {
  const original = {
    metadata: { name: 'web', annotations: { a: '1' } },
    spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80, protocol: 'TCP' }] }] } } },
  };
  const patch = {
    metadata: { annotations: { a: '2' } },
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.26', name: 'nginx' }] } } },
  };
  const out = applyStrategicMergePatch(original, patch, deploy) as any;
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'nginx', image: 'nginx:1.26', ports: [{ containerPort: 80, protocol: 'TCP' }] }]);
  assert.equal(out.metadata.annotations.a, '2');
});

test('$patch: replace on a list item replaces the whole list', () => {
  const original = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } };
  const out = applyStrategicMergePatch(original, { spec: { containers: [{ name: 'nginx', image: 'nginx-1.0' }, { $patch: 'replace' }] } }, pod);
  assert.deepEqual(out, { spec: { containers: [{ name: 'nginx', image: 'nginx-1.0' }] } });
});

test('$patch: replace on a map takes the map literally', () => {
  const original = { metadata: { labels: { a: '1', b: '2' } } };
  const out = applyStrategicMergePatch(original, { metadata: { labels: { $patch: 'replace', c: '3' } } }, pod);
  assert.deepEqual(out, { metadata: { labels: { c: '3' } } });
});

test('$patch: delete removes list items by merge key, and a map', () => {
  const original = { spec: { containers: [{ name: 'nginx', image: 'n' }, { name: 'log-tailer', image: 'l' }] } };
  const out = applyStrategicMergePatch(original, { spec: { containers: [{ $patch: 'delete', name: 'log-tailer' }] } }, pod);
  assert.deepEqual(out, { spec: { containers: [{ name: 'nginx', image: 'n' }] } });
  const d = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } } };
  assert.deepEqual(applyStrategicMergePatch(d, { spec: { strategy: { rollingUpdate: { $patch: 'delete' } } } }, deploy), { spec: { strategy: { type: 'RollingUpdate' } } });
  assert.deepEqual(applyStrategicMergePatch(d, { spec: { strategy: { rollingUpdate: null } } }, deploy), { spec: { strategy: { type: 'RollingUpdate' } } });
});

test('finalizers are a set: union, and $deleteFromPrimitiveList removes values', () => {
  const original = { metadata: { finalizers: ['a', 'b', 'c'] } };
  assert.deepEqual(applyStrategicMergePatch(original, { metadata: { finalizers: ['c', 'd'] } }, pod), { metadata: { finalizers: ['a', 'b', 'c', 'd'] } });
  assert.deepEqual(applyStrategicMergePatch(original, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b', 'c'] } }, pod), { metadata: { finalizers: ['a'] } });
});

test('$setElementOrder reorders lists of primitives and of maps', () => {
  assert.deepEqual(
    applyStrategicMergePatch({ metadata: { finalizers: ['a', 'b', 'c'] } }, { metadata: { '$setElementOrder/finalizers': ['b', 'c', 'a'] } }, pod),
    { metadata: { finalizers: ['b', 'c', 'a'] } },
  );
  const original = { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }, { name: 'c', image: '3' }] } };
  const out = applyStrategicMergePatch(original, { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }, { name: 'a' }] } }, pod) as any;
  assert.deepEqual(out.spec.containers.map((c: { name: string }) => c.name), ['b', 'c', 'a']);
});

test('$setElementOrder keeps server-only items where they stood relative to the listed ones', () => {
  const original = { spec: { containers: [{ name: 'a' }, { name: 'server-only' }, { name: 'b' }] } };
  const patch = { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'new' }], containers: [{ name: 'new', image: 'x' }] } };
  const out = applyStrategicMergePatch(original, patch, pod) as any;
  assert.deepEqual(out.spec.containers.map((c: { name: string }) => c.name), ['a', 'server-only', 'b', 'new']);
});

test('$retainKeys clears the fields it does not list (Deployment strategy switch)', () => {
  const original = { spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } } } };
  const out = applyStrategicMergePatch(original, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } }, deploy);
  assert.deepEqual(out, { spec: { strategy: { type: 'Recreate' } } });
});

test('env merges by name, ports by containerPort, lists without a strategy are replaced', () => {
  const original = {
    spec: {
      containers: [{ name: 'c', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], args: ['x', 'y'], ports: [{ containerPort: 80 }] }],
      tolerations: [{ key: 'k', operator: 'Exists' }],
    },
  };
  const patch = { spec: { containers: [{ name: 'c', env: [{ name: 'B', value: '3' }], args: ['z'], ports: [{ containerPort: 81 }] }], tolerations: [] } };
  const out = applyStrategicMergePatch(original, patch, pod) as any;
  assert.deepEqual(out.spec.containers[0].env, [{ name: 'A', value: '1' }, { name: 'B', value: '3' }]);
  assert.deepEqual(out.spec.containers[0].args, ['z']);
  assert.deepEqual(out.spec.containers[0].ports, [{ containerPort: 80 }, { containerPort: 81 }]);
  assert.deepEqual(out.spec.tolerations, []);
});

test('kubectl rollout restart adds a template annotation and leaves the rest', () => {
  const original = { spec: { replicas: 3, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'w', image: 'v1' }] } } } };
  const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-29T10:00:00Z' } } } } };
  const out = applyStrategicMergePatch(original, patch, deploy) as any;
  assert.equal(out.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'], '2026-11-29T10:00:00Z');
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'w', image: 'v1' }]);
  assert.equal(out.spec.replicas, 3);
});

test('bad patches are refused with the field named; the original is never modified', () => {
  const original = { spec: { containers: [{ name: 'a', image: 'x' }] } };
  const frozen = structuredClone(original);
  assert.throws(() => applyStrategicMergePatch(original, { spec: { containers: [{ image: 'no-name' }] } }, pod), (e: unknown) => e instanceof PatchError && e.path === 'spec.containers' && /merge key "name"/.test(e.message));
  assert.throws(() => applyStrategicMergePatch(original, { spec: { $patch: 'explode' } }, pod), /spec: unknown \$patch directive "explode"/);
  assert.throws(() => applyStrategicMergePatch(original, [1], pod), /must be a JSON object/);
  assert.throws(() => applyStrategicMergePatch(original, { spec: { $bogus: 1 } }, pod), /spec.\$bogus: unknown patch directive/);
  assert.deepEqual(original, frozen);
});
