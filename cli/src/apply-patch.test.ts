import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyMergePatch, isSubset, managedFields, threeWayMergePatch, type JsonObject } from './apply-patch.js';

const live: JsonObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', resourceVersion: '7', uid: 'u', labels: { app: 'web' } },
  spec: {
    containers: [{ name: 'c', image: 'img:v1', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }] }],
    restartPolicy: 'Always',
    nodeName: 'node-1',
  },
  status: { phase: 'Running' },
};
const config: JsonObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'img:v1', ports: [{ containerPort: 80 }] }] },
};

test('re-applying the same configuration over server defaults is no change', () => {
  assert.deepEqual(threeWayMergePatch(managedFields(config), managedFields(config), managedFields(live)), {});
  assert.deepEqual(threeWayMergePatch(undefined, managedFields(config), managedFields(live)), {});
});

test('a changed container field is patched, keeping what the server defaulted in the container', () => {
  const changed = structuredClone(config);
  ((changed['spec'] as JsonObject)['containers'] as JsonObject[])[0]!['image'] = 'img:v2';
  const patch = threeWayMergePatch(managedFields(config), managedFields(changed), managedFields(live));
  assert.deepEqual(patch, {
    spec: { containers: [{ name: 'c', image: 'img:v2', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }] }] },
  });
});

test('keyed lists: entries follow the configuration, entries added by others stay, removed ones go', () => {
  const env = (...names: string[]): JsonObject[] => names.map((name) => ({ name, value: name.toLowerCase() }));
  const withEnv = (e: JsonObject[]): JsonObject => ({ spec: { containers: [{ name: 'c', image: 'i', env: e }] } });
  const patch = threeWayMergePatch(withEnv(env('A', 'B')), withEnv(env('C', 'A')), withEnv(env('A', 'B', 'X')));
  assert.deepEqual(((patch['spec'] as JsonObject)['containers'] as JsonObject[])[0]?.['env'], [...env('C', 'A'), ...env('X')]);
});

test('lists without a merge key are replaced whole', () => {
  const patch = threeWayMergePatch({ spec: { tolerations: [{ key: 'a' }] } }, { spec: { tolerations: [{ key: 'b' }] } }, { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } });
  assert.deepEqual(patch, { spec: { tolerations: [{ key: 'b' }] } });
});

test('a field removed since the last apply is deleted; fields never applied are kept', () => {
  const last = structuredClone(config);
  (last['metadata'] as JsonObject)['labels'] = { app: 'web', tier: 'fe' };
  const current = structuredClone(live);
  (current['metadata'] as JsonObject)['labels'] = { app: 'web', tier: 'fe', added: 'by-hand' };
  const patch = threeWayMergePatch(managedFields(last), managedFields(config), managedFields(current));
  assert.deepEqual(patch, { metadata: { labels: { tier: null } } });
  const result = applyMergePatch(current, patch) as JsonObject;
  assert.deepEqual((result['metadata'] as JsonObject)['labels'], { app: 'web', added: 'by-hand' });
  assert.equal((result['spec'] as JsonObject)['nodeName'], 'node-1');
  assert.deepEqual(result['status'], { phase: 'Running' });
});

test('a list entry field removed from the configuration is noticed through the last applied one', () => {
  const last = structuredClone(config);
  ((last['spec'] as JsonObject)['containers'] as JsonObject[])[0]!['command'] = ['sleep', '1'];
  const current = structuredClone(live);
  ((current['spec'] as JsonObject)['containers'] as JsonObject[])[0]!['command'] = ['sleep', '1'];
  const patch = threeWayMergePatch(managedFields(last), managedFields(config), managedFields(current));
  assert.ok('containers' in ((patch['spec'] as JsonObject) ?? {}), JSON.stringify(patch));
});

test('drift on the live object (someone edited it) is put back', () => {
  const current = structuredClone(live);
  (current['metadata'] as JsonObject)['labels'] = { app: 'other' };
  assert.deepEqual(threeWayMergePatch(managedFields(config), managedFields(config), managedFields(current)), { metadata: { labels: { app: 'web' } } });
});

test('managedFields keeps spec and the user metadata, not type, status or server metadata', () => {
  assert.deepEqual(managedFields(live), { spec: live['spec'], metadata: { labels: { app: 'web' } } });
});

test('merge patch: null deletes, objects merge, scalars and lists replace', () => {
  assert.deepEqual(applyMergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1, 2] }, { a: null, b: { c: 5 }, e: [3] }), { b: { c: 5, d: 3 }, e: [3] });
  assert.deepEqual(applyMergePatch({ a: 1 }, { b: { c: null, d: 1 } }), { a: 1, b: { d: 1 } });
});

test('isSubset ignores extra fields but not different values or lengths', () => {
  assert.ok(isSubset({ a: [{ x: 1 }] }, { a: [{ x: 1, y: 2 }], b: 1 }));
  assert.ok(!isSubset({ a: [{ x: 1 }] }, { a: [{ x: 2 }] }));
  assert.ok(!isSubset({ a: [1] }, { a: [1, 2] }));
});

test("Service ports merge by port and protocol: a changed target port keeps the node port the server allocated", () => {
  const svcConfig = (targetPort: number): JsonObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web' },
    spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort }] },
  });
  const liveSvc: JsonObject = {
    ...svcConfig(8080),
    metadata: { name: 'web', resourceVersion: '3' },
    spec: { type: 'NodePort', selector: { app: 'web' }, clusterIP: '10.96.0.7', ports: [{ port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 31234 }] },
  };
  assert.deepEqual(threeWayMergePatch(managedFields(svcConfig(8080)), managedFields(svcConfig(8080)), managedFields(liveSvc)), {});
  const patch = threeWayMergePatch(managedFields(svcConfig(8080)), managedFields(svcConfig(9090)), managedFields(liveSvc));
  assert.deepEqual(patch, { spec: { ports: [{ port: 80, targetPort: 9090, protocol: 'TCP', nodePort: 31234 }] } });
});

test('the same port number over UDP and TCP are two entries, not one', () => {
  const dns = (extra: JsonObject): JsonObject => ({
    spec: {
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', ...extra },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', ...extra },
      ],
    },
  });
  const liveDns = dns({ targetPort: 53 });
  assert.deepEqual(threeWayMergePatch(dns({}), dns({}), liveDns), {});
  const patch = threeWayMergePatch(dns({}), dns({ targetPort: 5353 }), liveDns);
  assert.deepEqual(patch, dns({ targetPort: 5353 }));
});
