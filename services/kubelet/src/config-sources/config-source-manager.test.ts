import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ConfigMap, Pod, Secret } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { makePod } from '../testing/fixtures.js';
import { until } from '../testing/until.js';
import { ConfigSourceManager } from './config-source-manager.js';
import { podSourceRefs, refKey } from './references.js';

const configMap = (name: string, data: Record<string, string>, namespace = 'default'): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });

function podReferring(name: string, refs: { cm?: string[]; secret?: string[]; volumeCm?: string; volumeSecret?: string }): Pod {
  const pod = makePod({ name, containers: [{ name: 'app', image: 'x', env: (refs.cm ?? []).map((cm, i) => ({ name: `V${i}`, valueFrom: { configMapKeyRef: { name: cm, key: 'k' } } })) }] });
  pod.spec.initContainers = [{ name: 'init', image: 'x', envFrom: (refs.secret ?? []).map((s) => ({ secretRef: { name: s } })) }];
  pod.spec.volumes = [
    ...(refs.volumeCm ? [{ name: 'v1', configMap: { name: refs.volumeCm } }] : []),
    ...(refs.volumeSecret ? [{ name: 'v2', secret: { secretName: refs.volumeSecret } }] : []),
  ];
  return pod;
}

describe('podSourceRefs', () => {
  it('collects ConfigMaps and Secrets from env, envFrom, init containers and volumes, once each', () => {
    const pod = podReferring('p', { cm: ['app', 'app'], secret: ['creds'], volumeCm: 'files', volumeSecret: 'creds' });
    assert.deepEqual(podSourceRefs(pod).map(refKey).sort(), ['configmaps/default/app', 'configmaps/default/files', 'secrets/default/creds']);
  });
});

describe('ConfigSourceManager', () => {
  let api: FakeApi;
  let changed: string[][];
  let m: ConfigSourceManager;

  beforeEach(() => {
    api = new FakeApi();
    changed = [];
    m = new ConfigSourceManager({ api, log: silentLogger(), onChange: (keys) => changed.push([...keys].sort()) });
  });
  afterEach(() => m.stop());

  it('watches exactly the objects registered pods refer to, one watch per object', async () => {
    m.registerPod('default/a', podReferring('a', { cm: ['app'], volumeSecret: 'creds' }));
    m.registerPod('default/b', podReferring('b', { cm: ['app'] }));
    assert.deepEqual(m.watchedKeys(), ['configmaps/default/app', 'secrets/default/creds']);
    await until('two watches', () => api.calls.filter((c) => c.verb === 'watch').length >= 2);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(api.calls.filter((c) => c.verb === 'watch').map((c) => c.resource).sort(), ['configmaps', 'secrets']);

    // b stops referring to app; a still does.
    m.registerPod('default/b', podReferring('b', { cm: ['other'] }));
    assert.deepEqual(m.watchedKeys(), ['configmaps/default/app', 'configmaps/default/other', 'secrets/default/creds']);
    m.unregisterPod('default/a');
    assert.deepEqual(m.watchedKeys(), ['configmaps/default/other']);
    m.unregisterPod('default/b');
    assert.deepEqual(m.watchedKeys(), []);
  });

  it('reads from the synced cache, with the kubelet NotFound message for missing objects', async () => {
    await api.create('configmaps', configMap('app', { k: 'v1' }));
    m.registerPod('default/a', podReferring('a', { cm: ['app', 'missing'] }));
    await until('both watches synced', () => m.hasSynced());
    const gets = api.calls.filter((c) => c.verb === 'get').length;
    assert.deepEqual((await m.getConfigMap('default', 'app')).data, { k: 'v1' });
    await assert.rejects(m.getConfigMap('default', 'missing'), { reason: 'NotFound', message: 'configmap "missing" not found' });
    assert.equal(api.calls.filter((c) => c.verb === 'get').length, gets, 'served from the watch cache');
  });

  it('reads an unwatched object straight from the API', async () => {
    const secret: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { pw: 'aHVudGVyMg==' } };
    await api.create('secrets', secret);
    assert.deepEqual((await m.getSecret('default', 's')).data, { pw: 'aHVudGVyMg==' });
    await assert.rejects(m.getSecret('default', 'nope'), { message: 'secret "nope" not found' });
  });

  it('tells which pods to re-sync when a watched object is created, updated or deleted', async () => {
    m.registerPod('default/a', podReferring('a', { cm: ['app'] }));
    m.registerPod('default/b', podReferring('b', { volumeCm: 'app' }));
    m.registerPod('default/c', podReferring('c', { cm: ['unrelated'] }));
    await until('the watches', () => api.calls.filter((c) => c.verb === 'watch').length >= 2);
    await api.create('configmaps', configMap('app', { k: 'v1' }));
    await until('created', () => changed.length >= 1);
    const cur = api.peek<ConfigMap>('configmaps', 'default', 'app') as ConfigMap;
    await api.update('configmaps', { ...cur, data: { k: 'v2' } });
    await until('updated', () => changed.length >= 2);
    assert.deepEqual((await m.getConfigMap('default', 'app')).data, { k: 'v2' });
    await api.delete('configmaps', 'default', 'app');
    await until('deleted', () => changed.length >= 3);
    assert.deepEqual(changed, [
      ['default/a', 'default/b'],
      ['default/a', 'default/b'],
      ['default/a', 'default/b'],
    ]);
    await assert.rejects(m.getConfigMap('default', 'app'), { message: 'configmap "app" not found' });
    // Objects of the same name in other namespaces are someone else's.
    await api.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    await api.create('configmaps', configMap('app', { k: 'elsewhere' }, 'other'));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(changed.length, 3);
  });
});
