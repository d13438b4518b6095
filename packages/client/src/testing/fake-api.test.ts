import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, errors, type Deployment, type Namespace, type Pod, type ReplicaSet, type Scale } from '@skiff/api';
import { apiContract } from './api-contract.js';
import { FakeApi } from './fake-api.js';

apiContract('FakeApi', async () => ({ api: new FakeApi(), cleanup: async () => undefined }));

const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'x' }] } });

describe('FakeApi test hooks', () => {
  it('records every call, and the writes among them', async () => {
    const api = new FakeApi();
    await api.create('pods', pod('a'));
    await api.get('pods', 'default', 'a');
    await api.delete('pods', 'default', 'a', { propagationPolicy: 'Background' });
    assert.deepEqual(
      api.calls.map((c) => `${c.verb} ${c.resource} ${c.namespace}/${c.name}`),
      ['create pods default/a', 'get pods default/a', 'delete pods default/a'],
    );
    assert.deepEqual(api.calls[2]?.body, { propagationPolicy: 'Background' });
    assert.deepEqual(api.writes().map((c) => c.verb), ['create', 'delete']);
  });

  it('fails the next call of a verb once', async () => {
    const api = new FakeApi();
    const created = await api.create('pods', pod('a'));
    api.failNext('updateStatus', errors.staleResourceVersion('pods', 'a'));
    await assert.rejects(api.updateStatus('pods', { ...created, status: { phase: 'Running' } }), /has been modified/);
    assert.equal(api.peek<Pod>('pods', 'default', 'a')?.status?.phase, 'Pending', 'nothing written');
    assert.equal((await api.updateStatus<Pod>('pods', { ...created, status: { phase: 'Running' } })).status?.phase, 'Running');
  });

  it('holds watch events back until released, then delivers them in order', async () => {
    const api = new FakeApi();
    const list = await api.list('pods');
    const it = api.watch('pods', { resourceVersion: list.metadata.resourceVersion ?? '' })[Symbol.asyncIterator]();
    api.holdWatches();
    await api.create('pods', pod('a'));
    await api.create('pods', pod('b'));
    const first = it.next();
    const pending = await Promise.race([first.then(() => 'delivered'), new Promise((r) => setImmediate(() => r('held')))]);
    assert.equal(pending, 'held');
    assert.deepEqual(api.all<Pod>('pods').map((p) => p.metadata.name), ['a', 'b'], 'the writes themselves happened');
    api.releaseWatches();
    assert.equal((await first).value?.object.metadata.name, 'a');
    assert.equal((await it.next()).value?.object.metadata.name, 'b');
  });

  it('says clearly that it serves no logs and no dryRun', async () => {
    const api = new FakeApi();
    assert.throws(() => api.logs(), /does not serve container logs/);
    await assert.rejects(api.create('pods', pod('a'), { dryRun: true }), /FakeApi does not support dryRun/);
  });
});

const deployment = (name: string, replicas = 2): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'x' }] } } },
});

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return e.reason;
  }
  return 'no error';
}

describe('FakeApi deployments and the scale subresource', () => {
  it('stores deployments with generation and an empty status', async () => {
    const api = new FakeApi();
    const d = await api.create('deployments', { ...deployment('web'), status: { replicas: 9 } });
    assert.equal(d.metadata.generation, 1);
    assert.deepEqual(d.status, {});
    const scaled = await api.update('deployments', { ...d, spec: { ...d.spec, replicas: 5 } });
    assert.equal(scaled.metadata.generation, 2);
    const status = await api.updateStatus('deployments', { ...scaled, status: { replicas: 5, observedGeneration: 2 } });
    assert.deepEqual(status.status, { replicas: 5, observedGeneration: 2 });
  });

  it('reads and writes spec.replicas through scale, for deployments and replicasets', async () => {
    const api = new FakeApi();
    const d = await api.create('deployments', deployment('web'));
    const scale = await api.get<Scale>('deployments', 'default', 'web', { subresource: 'scale' });
    assert.deepEqual(scale.spec, { replicas: 2 });
    assert.deepEqual(scale.status, { replicas: 0, selector: 'app=web' });
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.metadata.uid, d.metadata.uid);
    const updated = await api.update<Scale>('deployments', { ...scale, spec: { replicas: 4 } }, { subresource: 'scale' });
    assert.equal(updated.spec.replicas, 4);
    assert.equal(api.peek<Deployment>('deployments', 'default', 'web')?.spec.replicas, 4);
    assert.equal(await reason(api.update('deployments', { ...scale, spec: { replicas: 6 } }, { subresource: 'scale' })), 'Conflict', 'a stale resourceVersion');
    assert.equal(await reason(api.update('deployments', { ...scale, metadata: { name: 'web', namespace: 'default' }, spec: { replicas: -1 } }, { subresource: 'scale' })), 'Invalid');
    await api.patch('deployments', 'default', 'web', { spec: { replicas: 1 } }, { subresource: 'scale' });
    assert.equal(api.peek<Deployment>('deployments', 'default', 'web')?.spec.replicas, 1);

    const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs', namespace: 'default' }, spec: { replicas: 3, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'app', image: 'x' }] } } } };
    await api.create('replicasets', rs);
    assert.equal((await api.get<Scale>('replicasets', 'default', 'rs', { subresource: 'scale' })).spec.replicas, 3);
    assert.equal(await reason(api.get('pods', 'default', 'rs', { subresource: 'scale' })), 'NotFound', 'pods have no scale');
  });
});

describe('FakeApi namespace termination', () => {
  const ns = (name: string): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

  it('gives a namespace the kubernetes finalizer; deleting it makes it Terminating and refuses new content', async () => {
    const api = new FakeApi();
    const created = await api.create('namespaces', ns('team'));
    assert.deepEqual(created.spec?.finalizers, ['kubernetes']);
    assert.deepEqual(api.peek<Namespace>('namespaces', '', 'default')?.spec?.finalizers, ['kubernetes']);
    await api.create('pods', { ...pod('a'), metadata: { name: 'a', namespace: 'team' } });
    const deleted = await api.delete<Namespace>('namespaces', '', 'team');
    assert.ok(deleted.metadata.deletionTimestamp);
    assert.equal(deleted.status?.phase, 'Terminating');
    assert.equal((await api.delete<Namespace>('namespaces', '', 'team')).metadata.resourceVersion, deleted.metadata.resourceVersion, 'a second delete changes nothing');
    const err = await api.create('pods', { ...pod('b'), metadata: { name: 'b', namespace: 'team' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApiError && err.reason === 'Forbidden', String(err));
    assert.match(err.message, /unable to create new content in namespace team because it is being terminated/);
    assert.deepEqual(err.details.causes, [{ reason: 'NamespaceTerminating', message: 'namespace team is being terminated', field: 'metadata.namespace' }]);
    const generated = await api.create('pods', { ...pod('c'), metadata: { generateName: 'c-', namespace: 'team' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.match(String(generated), /pods is forbidden: unable to create new content/);
    assert.ok(api.peek('pods', 'team', 'a'), 'existing content stays until someone deletes it');
  });

  it('finalize changes only spec.finalizers, and the namespace goes once no finalizer is left', async () => {
    const api = new FakeApi();
    await api.create('namespaces', { ...ns('team'), metadata: { name: 'team', finalizers: ['example.com/hold'] } });
    const marked = await api.delete<Namespace>('namespaces', '', 'team');
    const finalized = await api.update<Namespace>('namespaces', { ...marked, metadata: { ...marked.metadata, labels: { x: 'y' } }, spec: { finalizers: [] } }, { subresource: 'finalize' });
    assert.deepEqual(finalized.spec?.finalizers, []);
    assert.equal(finalized.metadata.labels, undefined, 'finalize changes nothing else');
    assert.ok(api.peek('namespaces', '', 'team'), 'a metadata finalizer still holds it');
    await api.patch('namespaces', '', 'team', { metadata: { finalizers: null } });
    assert.equal(api.peek('namespaces', '', 'team'), undefined);
  });

  it('never deletes a built-in namespace, and changes spec.finalizers only through finalize', async () => {
    const api = new FakeApi();
    assert.equal(await reason(api.delete('namespaces', '', 'default')), 'Forbidden');
    const team = await api.create<Namespace>('namespaces', ns('team'));
    const updated = await api.update<Namespace>('namespaces', { ...team, metadata: { ...team.metadata, labels: { a: 'b' } }, spec: { finalizers: [] } });
    assert.deepEqual(updated.spec?.finalizers, ['kubernetes']);
    assert.deepEqual(updated.metadata.labels, { a: 'b' });
  });

  it('counts a Deployment annotation change as a new generation, as its template', async () => {
    const api = new FakeApi();
    const d = await api.create('deployments', deployment('web'));
    const annotated = await api.patch<Deployment>('deployments', 'default', 'web', { metadata: { annotations: { 'kubernetes.io/change-cause': 'x' } } });
    assert.equal(annotated.metadata.generation, (d.metadata.generation ?? 0) + 1);
    const labelled = await api.patch<Deployment>('deployments', 'default', 'web', { metadata: { labels: { x: 'y' } } });
    assert.equal(labelled.metadata.generation, annotated.metadata.generation, 'labels do not count');
  });

  it('removes a deleted namespace whose finalizers are already empty at once', async () => {
    const api = new FakeApi();
    const created = await api.create<Namespace>('namespaces', ns('quick'));
    await api.update('namespaces', { ...created, spec: { finalizers: [] } }, { subresource: 'finalize' });
    await api.delete('namespaces', '', 'quick');
    assert.equal(api.peek('namespaces', '', 'quick'), undefined);
  });
});
