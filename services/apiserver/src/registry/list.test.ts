import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { newTestRegistry, pod, rejectsWith } from './test-fixtures.js';

async function seed() {
  const t = await newTestRegistry();
  const pods = t.registry.store('pods');
  await pods.create('default', pod('a', { nodeName: 'n1' }, { app: 'web', tier: 'front' }));
  await pods.create('default', pod('b', {}, { app: 'web', tier: 'back' }));
  await pods.create('default', pod('c', { nodeName: 'n2' }, { app: 'db' }));
  await pods.create('kube-system', { ...pod('d', {}, { app: 'web' }), metadata: { name: 'd', namespace: 'kube-system', labels: { app: 'web' } } });
  return t;
}

const names = (items: { metadata: { name?: string } }[]) => items.map((i) => i.metadata.name);

test('list returns a typed list at the store revision', async () => {
  const { registry, storage, close } = await seed();
  try {
    const list = await registry.store('pods').list({ namespace: 'default' });
    assert.equal(list.kind, 'PodList');
    assert.equal(list.apiVersion, 'v1');
    assert.equal(list.metadata.resourceVersion, String(await storage.revision()));
    assert.deepEqual(names(list.items), ['a', 'b', 'c']);
    assert.ok(list.items.every((i) => i.kind === 'Pod' && i.apiVersion === 'v1'));
    assert.deepEqual(names((await registry.store('pods').list()).items), ['a', 'b', 'c', 'd']);
  } finally {
    await close();
  }
});

test('label selectors: equality and set-based', async () => {
  const { registry, close } = await seed();
  const pods = registry.store('pods');
  try {
    assert.deepEqual(names((await pods.list({ labelSelector: 'app=web' })).items), ['a', 'b', 'd']);
    assert.deepEqual(names((await pods.list({ labelSelector: 'app=web,tier!=back', namespace: 'default' })).items), ['a']);
    assert.deepEqual(names((await pods.list({ labelSelector: 'tier in (front,back)' })).items), ['a', 'b']);
    assert.deepEqual(names((await pods.list({ labelSelector: '!tier' })).items), ['c', 'd']);
    await rejectsWith(pods.list({ labelSelector: 'a in (b' }), 'BadRequest', /unable to parse requirement/);
  } finally {
    await close();
  }
});

test('field selectors: metadata and pod fields; an unsupported field is named', async () => {
  const { registry, close } = await seed();
  const pods = registry.store('pods');
  try {
    assert.deepEqual(names((await pods.list({ fieldSelector: 'spec.nodeName=n1' })).items), ['a']);
    assert.deepEqual(names((await pods.list({ fieldSelector: 'spec.nodeName=' })).items), ['b', 'd']);
    assert.deepEqual(names((await pods.list({ fieldSelector: 'metadata.namespace=kube-system' })).items), ['d']);
    assert.deepEqual(names((await pods.list({ fieldSelector: 'metadata.name!=a,status.phase=Pending', namespace: 'default' })).items), ['b', 'c']);
    await rejectsWith(pods.list({ fieldSelector: 'spec.foo=x' }), 'BadRequest', 'field label not supported: spec.foo');
    await rejectsWith(registry.store('nodes').list({ fieldSelector: 'spec.nodeName=x' }), 'BadRequest', 'field label not supported: spec.nodeName');
  } finally {
    await close();
  }
});

test('limit and continue page through matching items at the first page\'s revision', async () => {
  const { registry, close } = await seed();
  const pods = registry.store('pods');
  try {
    const p1 = await pods.list({ limit: 2, labelSelector: 'app=web' });
    assert.deepEqual(names(p1.items), ['a', 'b']);
    assert.ok(p1.metadata.continue);
    await pods.create('default', pod('e', {}, { app: 'web' }));
    const p2 = await pods.list({ limit: 2, labelSelector: 'app=web', continue: p1.metadata.continue ?? '' });
    assert.deepEqual(names(p2.items), ['e', 'd']);
    assert.equal(p2.metadata.resourceVersion, p1.metadata.resourceVersion);
    assert.equal(p2.metadata.continue, undefined);
    await rejectsWith(pods.list({ continue: 'garbage' }), 'BadRequest', /continue key is not valid/);
    const all = await pods.list({ limit: 10 });
    assert.equal(all.metadata.continue, undefined);
    const typed = all.items as Pod[];
    assert.equal(typed.length, 5);
  } finally {
    await close();
  }
});
