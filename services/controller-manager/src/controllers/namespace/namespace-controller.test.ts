import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Deployment, Event, KubeObject, Namespace, Pod, ReplicaSet } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { makeDeployment } from '../../testing/deployment-fixtures.js';
import { eventually } from '../../testing/eventually.js';
import { makeReplicaSet } from '../../testing/fixtures.js';
import { NamespaceController } from './namespace-controller.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function start(api: FakeApi): Promise<{ clock: FakeClock; controller: NamespaceController }> {
  const clock = new FakeClock(Date.now());
  const ac = new AbortController();
  const namespaces = new Informer<Namespace>(api, 'namespaces', { clock });
  const pods = new Informer<KubeObject>(api, 'pods', { clock });
  const controller = new NamespaceController({ namespaces, content: [pods], client: api, clock, log: silentLogger() });
  namespaces.start(ac.signal);
  pods.start(ac.signal);
  await Promise.all([namespaces.waitForSync(), pods.waitForSync()]);
  const done = controller.run(ac.signal, 2);
  stops.push(async () => {
    ac.abort();
    await done;
  });
  return { clock, controller };
}

const inTeam = <T extends KubeObject>(obj: T): T => ({ ...obj, metadata: { ...obj.metadata, namespace: 'team', uid: undefined, resourceVersion: undefined, creationTimestamp: undefined } }) as T;

async function populate(api: FakeApi): Promise<void> {
  await api.create<Namespace>('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  const d = inTeam(makeDeployment());
  delete d.status;
  await api.create<Deployment>('deployments', d);
  const rs = inTeam(makeReplicaSet());
  delete rs.status;
  await api.create<ReplicaSet>('replicasets', rs);
  for (const name of ['a', 'b']) {
    await api.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'team' }, spec: { containers: [{ name: 'c', image: 'x' }], terminationGracePeriodSeconds: 30 } });
  }
  await api.create<Event>('events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e1', namespace: 'team' }, involvedObject: { kind: 'Pod', name: 'a' } });
  // Something in another namespace must survive.
  await api.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'keep', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
}

const contentOf = (api: FakeApi, ns: string): string[] =>
  ['deployments', 'replicasets', 'pods', 'events', 'leases'].flatMap((r) => api.all(r, ns).map((o) => `${r}/${o.metadata.name ?? ''}`));

describe('NamespaceController', () => {
  it('deletes everything in a deleted namespace, then finalizes it and the namespace goes', async () => {
    const api = new FakeApi();
    await populate(api);
    await start(api);
    await api.delete('namespaces', '', 'team');
    assert.equal(api.peek<Namespace>('namespaces', '', 'team')?.status?.phase, 'Terminating');
    await eventually(() => api.peek('namespaces', '', 'team') === undefined, 'the namespace to be removed');
    assert.deepEqual(contentOf(api, 'team'), []);
    assert.deepEqual(contentOf(api, 'default'), ['pods/keep']);
    const deletes = api.calls.filter((c) => c.verb === 'delete' && c.namespace === 'team');
    assert.deepEqual(deletes.map((c) => `${c.resource}/${c.name}`).sort(), ['deployments/web', 'events/e1', 'pods/a', 'pods/b', 'replicasets/web']);
    assert.ok(deletes.every((c) => (c.body as { propagationPolicy?: string }).propagationPolicy === 'Background'));
    const finalize = api.calls.find((c) => c.verb === 'update' && c.resource === 'namespaces');
    assert.deepEqual((finalize?.body as Namespace).spec?.finalizers, []);
  });

  it('waits for pods terminating on their nodes, and finalizes once the last one is gone', async () => {
    const api = new FakeApi();
    await populate(api);
    await api.bind('team', 'a', 'node-1');
    await api.bind('team', 'b', 'node-1');
    await start(api);
    await api.delete('namespaces', '', 'team');
    await eventually(() => api.all<Pod>('pods', 'team').every((p) => p.metadata.deletionTimestamp) && api.all('replicasets', 'team').length === 0, 'the pods to be terminating');
    await new Promise((r) => setImmediate(r));
    assert.ok(api.peek('namespaces', '', 'team'), 'still there while its pods terminate');
    assert.deepEqual(api.peek<Namespace>('namespaces', '', 'team')?.spec?.finalizers, ['kubernetes']);
    // The kubelet finishes the deletes: the last one wakes the controller.
    await api.delete('pods', 'team', 'a', { gracePeriodSeconds: 0 });
    await api.delete('pods', 'team', 'b', { gracePeriodSeconds: 0 });
    await eventually(() => api.peek('namespaces', '', 'team') === undefined, 'the namespace to be removed');
  });

  it('leaves a namespace that is not being deleted alone, and keeps other finalizers', async () => {
    const api = new FakeApi();
    await populate(api);
    await api.patch('namespaces', '', 'team', { metadata: { finalizers: ['example.com/hold'] } });
    await start(api);
    await new Promise((r) => setImmediate(r));
    assert.equal(api.writes().filter((c) => c.verb === 'delete').length, 0);
    await api.delete('namespaces', '', 'team');
    await eventually(() => (api.peek<Namespace>('namespaces', '', 'team')?.spec?.finalizers ?? ['x']).length === 0, 'our finalizer to be removed');
    assert.ok(api.peek('namespaces', '', 'team'), 'another controller still holds it');
    assert.deepEqual(contentOf(api, 'team'), []);
  });
});
