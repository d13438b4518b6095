import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { newTestRegistry, pod, rejectsWith, replicaSet } from './test-fixtures.js';

const NOW = new Date('2026-01-01T00:00:00Z');

test('an unbound pod is removed at once', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    await pods.create('default', pod('web'));
    const out = await pods.delete('default', 'web');
    assert.equal(out.metadata.name, 'web');
    await rejectsWith(pods.get('default', 'web'), 'NotFound', 'pods "web" not found');
    await rejectsWith(pods.delete('default', 'web'), 'NotFound');
  } finally {
    await close();
  }
});

test('a bound pod is deleted gracefully; the kubelet\'s delete with grace 0 removes it', async () => {
  const { registry, close } = await newTestRegistry({ now: () => NOW });
  const pods = registry.store('pods');
  try {
    await pods.create('default', pod('web', { nodeName: 'n1', terminationGracePeriodSeconds: 20 }));
    const marked = (await pods.delete('default', 'web')) as Pod;
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 20);
    assert.equal(marked.metadata.deletionTimestamp, '2026-01-01T00:00:20Z');
    assert.equal(marked.metadata.generation, 2);
    // A second delete without a shorter grace changes nothing.
    const again = await pods.delete('default', 'web');
    assert.equal(again.metadata.resourceVersion, marked.metadata.resourceVersion);
    // A shorter grace shortens the deadline.
    const shorter = await pods.delete('default', 'web', { gracePeriodSeconds: 5 });
    assert.equal(shorter.metadata.deletionGracePeriodSeconds, 5);
    assert.equal(shorter.metadata.deletionTimestamp, '2026-01-01T00:00:05Z');
    await pods.delete('default', 'web', { gracePeriodSeconds: 0 });
    await rejectsWith(pods.get('default', 'web'), 'NotFound');
  } finally {
    await close();
  }
});

test('the request\'s grace period wins over the pod\'s, and 0 deletes a bound pod at once', async () => {
  const { registry, close } = await newTestRegistry({ now: () => NOW });
  const pods = registry.store('pods');
  try {
    await pods.create('default', pod('a', { nodeName: 'n1' }));
    const a = await pods.delete('default', 'a', { gracePeriodSeconds: 3 });
    assert.equal(a.metadata.deletionGracePeriodSeconds, 3);
    await pods.create('default', pod('b', { nodeName: 'n1' }));
    await pods.delete('default', 'b', { gracePeriodSeconds: 0 });
    await rejectsWith(pods.get('default', 'b'), 'NotFound');
  } finally {
    await close();
  }
});

test('finalizers keep an object until an update removes the last one', async () => {
  const { registry, close } = await newTestRegistry({ now: () => NOW });
  const rss = registry.store('replicasets');
  try {
    const rs = replicaSet('web');
    rs.metadata.finalizers = ['example.com/cleanup'];
    await rss.create('default', rs);
    const marked = await rss.delete('default', 'web');
    assert.equal(marked.metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
    assert.ok(await rss.get('default', 'web'));
    // No new finalizer may be added while deleting.
    const more = structuredClone(marked);
    more.metadata.finalizers = ['example.com/cleanup', 'example.com/more'];
    await rejectsWith(rss.update('default', 'web', more), 'Invalid', /metadata\.finalizers: Forbidden: no new finalizers can be added if the object is being deleted/);
    // An update cannot clear deletionTimestamp either: it is the server's.
    const keep = structuredClone(marked);
    delete keep.metadata.deletionTimestamp;
    keep.metadata.labels = { still: 'here' };
    const kept = await rss.update('default', 'web', keep);
    assert.equal(kept.metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
    const done = structuredClone(kept);
    done.metadata.finalizers = [];
    await rss.update('default', 'web', done);
    await rejectsWith(rss.get('default', 'web'), 'NotFound');
  } finally {
    await close();
  }
});

test('a bound pod with a finalizer: removing the finalizer alone does not end the grace period', async () => {
  const { registry, close } = await newTestRegistry({ now: () => NOW });
  const pods = registry.store('pods');
  try {
    const p = pod('web', { nodeName: 'n1' });
    p.metadata.finalizers = ['example.com/f'];
    await pods.create('default', p);
    const marked = await pods.delete('default', 'web');
    assert.equal(marked.metadata.deletionGracePeriodSeconds, 30);
    const unfinalized = await pods.patch('default', 'web', { metadata: { finalizers: null } });
    assert.equal(unfinalized.metadata.finalizers, undefined);
    assert.ok(await pods.get('default', 'web'), 'still there while its grace runs');
    await pods.delete('default', 'web', { gracePeriodSeconds: 0 });
    await rejectsWith(pods.get('default', 'web'), 'NotFound');
  } finally {
    await close();
  }
});

test('propagationPolicy Foreground and Orphan add the garbage collector\'s finalizers', async () => {
  const { registry, close } = await newTestRegistry();
  const rss = registry.store('replicasets');
  try {
    await rss.create('default', replicaSet('fg'));
    const fg = await rss.delete('default', 'fg', { propagationPolicy: 'Foreground' });
    assert.deepEqual(fg.metadata.finalizers, ['foregroundDeletion']);
    assert.ok(fg.metadata.deletionTimestamp);
    await rss.create('default', replicaSet('or'));
    const or = await rss.delete('default', 'or', { propagationPolicy: 'Orphan' });
    assert.deepEqual(or.metadata.finalizers, ['orphan']);
    await rss.create('default', replicaSet('bg'));
    await rss.delete('default', 'bg', { propagationPolicy: 'Background' });
    await rejectsWith(rss.get('default', 'bg'), 'NotFound');
  } finally {
    await close();
  }
});

test('delete preconditions on uid and resourceVersion', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    const p = await pods.create('default', pod('web'));
    await rejectsWith(pods.delete('default', 'web', { preconditions: { uid: 'nope' } }), 'Conflict', /Precondition failed: UID in precondition: nope/);
    await rejectsWith(pods.delete('default', 'web', { preconditions: { resourceVersion: '1' } }), 'Conflict', /Precondition failed: ResourceVersion in precondition: 1/);
    await pods.delete('default', 'web', { preconditions: { uid: p.metadata.uid ?? '', resourceVersion: p.metadata.resourceVersion ?? '' } });
    await rejectsWith(pods.get('default', 'web'), 'NotFound');
  } finally {
    await close();
  }
});
