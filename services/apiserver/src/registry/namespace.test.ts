import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace } from '@skiff/api';
import { deployment, newTestRegistry, pod, rejectsWith } from './test-fixtures.js';

const NOW = new Date('2026-01-01T00:00:00Z');

const ns = (name: string, extra: Partial<Namespace> = {}): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, ...extra });

test('a namespace is created Active with the kubernetes finalizer, kept beside any others', async () => {
  const { registry, close } = await newTestRegistry();
  const namespaces = registry.store('namespaces');
  try {
    const a = (await namespaces.create('', ns('team-a', { status: { phase: 'Terminating' } }))) as Namespace;
    assert.deepEqual(a.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(a.status, { phase: 'Active' });
    const b = (await namespaces.create('', ns('team-b', { spec: { finalizers: ['example.com/audit'] } }))) as Namespace;
    assert.deepEqual(b.spec?.finalizers, ['example.com/audit', 'kubernetes']);
    const c = (await namespaces.create('', ns('team-c', { spec: { finalizers: ['kubernetes'] } }))) as Namespace;
    assert.deepEqual(c.spec?.finalizers, ['kubernetes']);
    const builtin = (await namespaces.get('', 'default')) as Namespace;
    assert.deepEqual(builtin.spec?.finalizers, ['kubernetes']);
  } finally {
    await close();
  }
});

test('namespace termination: marked Terminating, refuses new content, removed once finalized', async () => {
  const { registry, close } = await newTestRegistry({ now: () => NOW });
  const namespaces = registry.store('namespaces');
  try {
    await namespaces.create('', ns('team'));
    await registry.store('pods').create('team', { ...pod('before'), metadata: { name: 'before', namespace: 'team' } });

    const marked = (await namespaces.delete('', 'team')) as Namespace;
    assert.equal(marked.metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
    assert.equal(marked.metadata.deletionGracePeriodSeconds, undefined);
    assert.equal(marked.status?.phase, 'Terminating');
    assert.deepEqual(marked.spec?.finalizers, ['kubernetes']);
    assert.deepEqual(await namespaces.get('', 'team'), marked);
    const again = await namespaces.delete('', 'team');
    assert.equal(again.metadata.resourceVersion, marked.metadata.resourceVersion, 'a second delete changes nothing while spec.finalizers remain');
    const listed = await namespaces.list({ fieldSelector: 'status.phase=Terminating' });
    assert.deepEqual(listed.items.map((n) => n.metadata.name), ['team']);

    // Nothing new in it; what is there can still be read, changed and deleted.
    const refused = await rejectsWith(
      registry.store('pods').create('team', { ...pod('new'), metadata: { name: 'new', namespace: 'team' } }),
      'Forbidden',
      'pods "new" is forbidden: unable to create new content in namespace team because it is being terminated',
    );
    assert.deepEqual(refused.details.causes, [{ reason: 'NamespaceTerminating', message: 'namespace team is being terminated', field: 'metadata.namespace' }]);
    await rejectsWith(
      registry.store('deployments').create('team', { ...deployment('d'), metadata: { name: 'd', namespace: 'team' } }),
      'Forbidden',
      'deployments.apps "d" is forbidden: unable to create new content in namespace team because it is being terminated',
    );
    await rejectsWith(
      registry.store('pods').create('team', { ...pod(''), metadata: { generateName: 'web-', namespace: 'team' } }),
      'Forbidden',
      'pods is forbidden: unable to create new content in namespace team because it is being terminated',
    );
    // Admission comes before validation.
    await rejectsWith(
      registry.store('pods').create('team', { ...pod('Invalid_Name'), metadata: { name: 'Invalid_Name', namespace: 'team' } }),
      'Forbidden',
      /because it is being terminated/,
    );
    await registry.store('pods').patch('team', 'before', { metadata: { labels: { still: 'writable' } } });
    await registry.store('pods').delete('team', 'before');

    // An ordinary update cannot touch spec.finalizers, nor can a status update.
    const plain = (await namespaces.update('', 'team', { ...marked, spec: { finalizers: [] }, metadata: { ...marked.metadata, labels: { a: 'b' } } })) as Namespace;
    assert.deepEqual(plain.spec?.finalizers, ['kubernetes']);
    assert.deepEqual(plain.metadata.labels, { a: 'b' });
    assert.equal(plain.metadata.deletionTimestamp, marked.metadata.deletionTimestamp);
    const status = (await namespaces.update('', 'team', { ...plain, spec: {} }, { subresource: 'status' })) as Namespace;
    assert.deepEqual(status.spec?.finalizers, ['kubernetes']);
    await rejectsWith(
      namespaces.update('', 'team', { ...plain, status: { phase: 'Active' } }, { subresource: 'status' }),
      'Invalid',
      "Namespace \"team\" is invalid: status.phase: Invalid value: \"Active\": may only be 'Terminating' if `deletionTimestamp` is not empty",
    );

    // finalize changes spec.finalizers and nothing else; emptying them removes the namespace.
    const finalizedOnce = (await namespaces.update(
      '',
      'team',
      { ...plain, metadata: { ...plain.metadata, labels: { other: 'x' } }, spec: { finalizers: ['kubernetes', 'example.com/x'] }, status: { phase: 'Active' } },
      { subresource: 'finalize' },
    )) as Namespace;
    assert.deepEqual(finalizedOnce.spec?.finalizers, ['kubernetes', 'example.com/x']);
    assert.deepEqual(finalizedOnce.metadata.labels, { a: 'b' });
    assert.equal(finalizedOnce.status?.phase, 'Terminating');
    await rejectsWith(
      namespaces.update('', 'team', { ...finalizedOnce, spec: { finalizers: ['Not Valid'] } }, { subresource: 'finalize' }),
      'Invalid',
      /spec\.finalizers\[0\]: Invalid value: "Not Valid"/,
    );
    const stale = { ...marked, spec: { finalizers: [] } };
    await rejectsWith(namespaces.update('', 'team', stale, { subresource: 'finalize' }), 'Conflict', /the object has been modified/);
    const { resourceVersion: _, ...meta } = finalizedOnce.metadata;
    await namespaces.update('', 'team', { metadata: meta, spec: { finalizers: ['example.com/x'] } }, { subresource: 'finalize' });
    assert.ok(await namespaces.get('', 'team'), 'kept while a finalizer remains');
    const gone = await namespaces.update('', 'team', { metadata: { name: 'team' }, spec: { finalizers: [] } }, { subresource: 'finalize' });
    assert.equal(gone.metadata.name, 'team');
    await rejectsWith(namespaces.get('', 'team'), 'NotFound', 'namespaces "team" not found');
    await rejectsWith(
      registry.store('pods').create('team', { ...pod('late'), metadata: { name: 'late', namespace: 'team' } }),
      'NotFound',
      'namespaces "team" not found',
    );
    // The name is free again: a new namespace of the same name is Active.
    assert.equal(((await namespaces.create('', ns('team'))) as Namespace).status?.phase, 'Active');
  } finally {
    await close();
  }
});

test('a terminating namespace with metadata.finalizers waits for them too; propagationPolicy applies', async () => {
  const { registry, close } = await newTestRegistry();
  const namespaces = registry.store('namespaces');
  try {
    await namespaces.create('', ns('held', { metadata: { name: 'held', finalizers: ['example.com/hold'] } }));
    const marked = await namespaces.delete('', 'held', { propagationPolicy: 'Foreground' });
    assert.deepEqual(marked.metadata.finalizers, ['example.com/hold', 'foregroundDeletion']);
    await namespaces.update('', 'held', { metadata: { name: 'held' }, spec: { finalizers: [] } }, { subresource: 'finalize' });
    assert.ok(await namespaces.get('', 'held'), 'metadata.finalizers still hold it');
    await namespaces.patch('', 'held', { metadata: { finalizers: null } });
    await rejectsWith(namespaces.get('', 'held'), 'NotFound');

    // Finalized before being deleted: the first delete still only marks it, a later one removes it.
    await namespaces.create('', ns('early'));
    await namespaces.update('', 'early', { metadata: { name: 'early' }, spec: {} }, { subresource: 'finalize' });
    const early = (await namespaces.delete('', 'early')) as Namespace;
    assert.equal(early.status?.phase, 'Terminating');
    await namespaces.delete('', 'early');
    await rejectsWith(namespaces.get('', 'early'), 'NotFound');
  } finally {
    await close();
  }
});

test('the built-in namespaces cannot be deleted', async () => {
  const { registry, close } = await newTestRegistry();
  const namespaces = registry.store('namespaces');
  try {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      await rejectsWith(namespaces.delete('', name), 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`);
      assert.equal(((await namespaces.get('', name)) as Namespace).status?.phase, 'Active');
    }
  } finally {
    await close();
  }
});

test('only namespaces have a finalize subresource', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await registry.store('pods').create('default', pod('web'));
    await rejectsWith(registry.store('pods').update('default', 'web', pod('web'), { subresource: 'finalize' }), 'NotFound', 'pods/finalize "web" not found');
  } finally {
    await close();
  }
});
