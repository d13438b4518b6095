import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { KubeObject, Pod, ReplicaSet } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { eventually } from '../../testing/eventually.js';
import { makePod, makeReplicaSet, ownerRefTo } from '../../testing/fixtures.js';
import { GarbageCollector } from './garbage-collector.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** A running GC over informers for `resources` on a fake API. */
async function startGc(api: FakeApi, resources: string[] = ['replicasets', 'pods']): Promise<GarbageCollector> {
  const clock = new FakeClock();
  const ac = new AbortController();
  const informers = new Map<string, Informer<KubeObject>>(resources.map((r) => [r, new Informer<KubeObject>(api, r, { clock })]));
  const gc = new GarbageCollector({ informers, client: api, clock, log: silentLogger() });
  for (const inf of informers.values()) inf.start(ac.signal);
  await Promise.all([...informers.values()].map((i) => i.waitForSync()));
  const done = gc.run(ac.signal, 4);
  stops.push(async () => {
    ac.abort();
    await done;
  });
  return gc;
}

async function createRs(api: FakeApi, name = 'web'): Promise<ReplicaSet> {
  const rs = makeReplicaSet({ name });
  rs.metadata = { name, namespace: 'default' };
  return api.create('replicasets', rs);
}

async function createPod(api: FakeApi, name: string, owner?: ReplicaSet, block = true): Promise<Pod> {
  const pod = makePod({ name });
  pod.metadata = { name, namespace: 'default', labels: { app: 'web' } };
  if (owner) pod.metadata.ownerReferences = [{ ...ownerRefTo(owner), blockOwnerDeletion: block }];
  delete pod.status;
  return api.create('pods', pod);
}

/** A scheduled pod is deleted gracefully: it lingers with a deletionTimestamp until "the kubelet" finishes it. */
async function schedule(api: FakeApi, ...names: string[]): Promise<void> {
  for (const name of names) await api.bind('default', name, 'node-1');
}

/** What the kubelet does once a terminating pod's containers are gone. */
async function finishPodDeletion(api: FakeApi, name: string): Promise<void> {
  await api.delete('pods', 'default', name, { gracePeriodSeconds: 0 });
}

const podNames = (api: FakeApi): string[] => api.all<Pod>('pods', 'default').map((p) => p.metadata.name ?? '').sort();

describe('GarbageCollector', () => {
  it('deletes the pods of a deleted ReplicaSet (background) and leaves other pods alone', async () => {
    const api = new FakeApi();
    await startGc(api);
    const rs = await createRs(api);
    const other = await createRs(api, 'other');
    const uids = new Map<string, string | undefined>();
    for (const name of ['web-1', 'web-2']) uids.set(name, (await createPod(api, name, rs)).metadata.uid);
    await createPod(api, 'other-1', other);
    await createPod(api, 'bare');
    await api.delete('replicasets', 'default', 'web');
    await eventually(() => podNames(api).join() === 'bare,other-1', 'the owned pods to be deleted');
    const deletes = api.calls.filter((c) => c.verb === 'delete' && c.resource === 'pods');
    assert.deepEqual(deletes.map((d) => d.name).sort(), ['web-1', 'web-2']);
    for (const d of deletes) assert.deepEqual(d.body, { propagationPolicy: 'Background', preconditions: { uid: uids.get(d.name) } });
  });

  it('deletes dependents whose owner vanished while it was not running', async () => {
    const api = new FakeApi();
    const rs = await createRs(api);
    await createPod(api, 'web-1', rs);
    await api.delete('replicasets', 'default', 'web');
    await startGc(api);
    await eventually(() => podNames(api).length === 0, 'the orphaned dependent to be collected');
  });

  it('confirms an owner missing from its caches with a live read before deleting', async () => {
    const api = new FakeApi();
    const rs = await createRs(api);
    await createPod(api, 'kept', rs);
    const ghost = { ...rs, metadata: { ...rs.metadata, name: 'ghost', uid: 'no-such-uid' } };
    await createPod(api, 'collected', ghost);
    await startGc(api, ['pods']); // no ReplicaSet informer: owners are only known through live reads
    await eventually(() => podNames(api).join() === 'kept', 'the pod with a missing owner to be deleted');
    assert.ok(api.calls.some((c) => c.verb === 'get' && c.resource === 'replicasets' && c.name === 'web'), 'the live owner was read');
  });

  it('treats an owner re-created under the same name as gone', async () => {
    const api = new FakeApi();
    await startGc(api);
    const first = await createRs(api);
    await api.delete('replicasets', 'default', 'web');
    await createRs(api); // same name, new uid
    await createPod(api, 'web-1', first);
    await eventually(() => podNames(api).length === 0, 'the dependent of the old uid to be deleted');
  });

  it('only drops the reference to a deleted owner when another owner remains', async () => {
    const api = new FakeApi();
    await startGc(api);
    const a = await createRs(api, 'a');
    const b = await createRs(api, 'b');
    const pod = makePod({ name: 'shared' });
    pod.metadata = { name: 'shared', namespace: 'default', ownerReferences: [ownerRefTo(a), { ...ownerRefTo(b), controller: false }] };
    await api.create('pods', pod);
    await api.delete('replicasets', 'default', 'a');
    await eventually(() => api.peek<Pod>('pods', 'default', 'shared')?.metadata.ownerReferences?.length === 1, 'the reference to a to go');
    assert.equal(api.peek<Pod>('pods', 'default', 'shared')?.metadata.ownerReferences?.[0]?.uid, b.metadata.uid);
  });

  it('orphan: removes the owner from its dependents, then the finalizer, and the owner goes', async () => {
    const api = new FakeApi();
    await startGc(api);
    const rs = await createRs(api);
    await createPod(api, 'web-1', rs);
    await createPod(api, 'web-2', rs);
    await api.delete('replicasets', 'default', 'web', { propagationPolicy: 'Orphan' });
    await eventually(() => api.peek('replicasets', 'default', 'web') === undefined, 'the ReplicaSet to be removed');
    assert.deepEqual(podNames(api), ['web-1', 'web-2'], 'the pods are kept');
    for (const p of api.all<Pod>('pods', 'default')) assert.equal(p.metadata.ownerReferences, undefined);
  });

  it('foreground: deletes the dependents and removes the owner only once they are gone', async () => {
    const api = new FakeApi();
    await startGc(api);
    const rs = await createRs(api);
    await createPod(api, 'web-1', rs);
    await createPod(api, 'web-2', rs);
    await schedule(api, 'web-1', 'web-2');
    await api.delete('replicasets', 'default', 'web', { propagationPolicy: 'Foreground' });
    await eventually(() => api.all<Pod>('pods', 'default').every((p) => p.metadata.deletionTimestamp), 'the pods to be terminating');
    const owner = api.peek<ReplicaSet>('replicasets', 'default', 'web');
    assert.deepEqual(owner?.metadata.finalizers, ['foregroundDeletion'], 'the owner waits for its dependents');
    await finishPodDeletion(api, 'web-1');
    await finishPodDeletion(api, 'web-2');
    await eventually(() => api.peek('replicasets', 'default', 'web') === undefined, 'the ReplicaSet to be removed');
  });

  it('foreground: a dependent that does not block its owner is still deleted', async () => {
    const api = new FakeApi();
    await startGc(api);
    const rs = await createRs(api);
    await createPod(api, 'web-1', rs, false);
    await schedule(api, 'web-1');
    await api.delete('replicasets', 'default', 'web', { propagationPolicy: 'Foreground' });
    await eventually(() => api.peek('replicasets', 'default', 'web') === undefined, 'the owner, not blocked, to go');
    await eventually(() => api.peek<Pod>('pods', 'default', 'web-1')?.metadata.deletionTimestamp, 'the dependent to be deleted');
  });
});
