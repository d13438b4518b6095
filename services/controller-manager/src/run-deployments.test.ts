// The whole controller-manager on the fake API: a Deployment gets its ReplicaSet and pods, and
// deleting it removes all three levels with each propagation policy; deleting a namespace empties
// and removes it.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { controllerOf, type Deployment, type Namespace, type Pod, type ReplicaSet } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { DEFAULT_CONFIG, run } from './run.js';
import { makeDeployment } from './testing/deployment-fixtures.js';
import { eventually } from './testing/eventually.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function start(api: FakeApi): Promise<number> {
  const ac = new AbortController();
  let port = 0;
  const done = run(ac.signal, { ...DEFAULT_CONFIG, httpPort: 0, leaderElect: false, controllers: 'replicaset,deployment,namespace,garbagecollector' }, { client: api, log: silentLogger(), onListening: (p) => (port = p) });
  stops.push(async () => {
    ac.abort();
    await done;
  });
  await eventually(() => port !== 0, 'the observability server');
  return port;
}

function deployment(namespace = 'default'): Deployment {
  const d = makeDeployment({ replicas: 2 });
  d.metadata = { name: 'web', namespace };
  delete d.status;
  return d;
}

const pods = (api: FakeApi, ns = 'default'): Pod[] => api.all<Pod>('pods', ns);
const replicaSets = (api: FakeApi, ns = 'default'): ReplicaSet[] => api.all<ReplicaSet>('replicasets', ns);

/** A running Deployment: its RS and its 2 pods, bound to a node so they terminate gracefully. */
async function running(api: FakeApi): Promise<{ d: Deployment; rs: ReplicaSet }> {
  const d = await api.create('deployments', deployment());
  const rs = await eventually(() => replicaSets(api).find((r) => controllerOf(r)?.uid === d.metadata.uid), 'the ReplicaSet');
  await eventually(() => pods(api).length === 2, '2 pods');
  for (const p of pods(api)) await api.bind('default', p.metadata.name ?? '', 'node-1');
  return { d, rs };
}

/** What the kubelet does once a terminating pod's containers are gone. */
async function finishTerminatingPods(api: FakeApi): Promise<void> {
  for (const p of pods(api).filter((x) => x.metadata.deletionTimestamp)) await api.delete('pods', 'default', p.metadata.name ?? '', { gracePeriodSeconds: 0 });
}

describe('controller-manager: Deployments, garbage collection and namespaces', () => {
  it('runs the deployment and namespace controllers, with their work queues in /metrics', async () => {
    const api = new FakeApi();
    const port = await start(api);
    await running(api);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /workqueue_adds_total\{name="deployment"\} [1-9]/);
    assert.match(metrics, /workqueue_depth\{name="namespace"\}/);
  });

  it('Background: deleting a Deployment deletes its ReplicaSet, and that its pods', async () => {
    const api = new FakeApi();
    await start(api);
    await running(api);
    await api.delete('deployments', 'default', 'web');
    await eventually(() => replicaSets(api).length === 0, 'the ReplicaSet to be deleted');
    await eventually(() => pods(api).every((p) => p.metadata.deletionTimestamp), 'the pods to be terminating');
    await finishTerminatingPods(api);
    assert.deepEqual(pods(api), []);
  });

  it('Foreground: the Deployment waits for its ReplicaSet, which waits for its pods', async () => {
    const api = new FakeApi();
    await start(api);
    const { rs } = await running(api);
    await api.delete('deployments', 'default', 'web', { propagationPolicy: 'Foreground' });
    await eventually(() => pods(api).length === 2 && pods(api).every((p) => p.metadata.deletionTimestamp), 'the pods to be terminating');
    const waitingRs = api.peek<ReplicaSet>('replicasets', 'default', rs.metadata.name ?? '');
    assert.ok(waitingRs?.metadata.deletionTimestamp, 'the ReplicaSet is being deleted');
    assert.deepEqual(waitingRs.metadata.finalizers, ['foregroundDeletion'], 'in the foreground too');
    assert.deepEqual(api.peek<Deployment>('deployments', 'default', 'web')?.metadata.finalizers, ['foregroundDeletion'], 'the Deployment waits');
    await finishTerminatingPods(api);
    await eventually(() => replicaSets(api).length === 0, 'the ReplicaSet to go once its pods are gone');
    await eventually(() => api.peek('deployments', 'default', 'web') === undefined, 'the Deployment to go last');
  });

  it('Orphan: the Deployment goes, its ReplicaSet and pods stay, no longer owned', async () => {
    const api = new FakeApi();
    await start(api);
    const { rs } = await running(api);
    await api.delete('deployments', 'default', 'web', { propagationPolicy: 'Orphan' });
    await eventually(() => api.peek('deployments', 'default', 'web') === undefined, 'the Deployment to be removed');
    const kept = api.peek<ReplicaSet>('replicasets', 'default', rs.metadata.name ?? '');
    assert.equal(kept?.metadata.ownerReferences, undefined);
    assert.equal(kept?.metadata.deletionTimestamp, undefined);
    assert.equal(pods(api).filter((p) => !p.metadata.deletionTimestamp).length, 2);
    assert.ok(pods(api).every((p) => controllerOf(p)?.uid === rs.metadata.uid), 'the pods still belong to the ReplicaSet');
  });

  it('deleting a namespace deletes the Deployment in it and everything else, then the namespace', async () => {
    const api = new FakeApi();
    await start(api);
    await api.create<Namespace>('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await api.create('deployments', deployment('team'));
    await eventually(() => pods(api, 'team').length === 2, '2 pods in team');
    await api.delete('namespaces', '', 'team');
    await eventually(() => api.peek('namespaces', '', 'team') === undefined, 'the namespace to be removed');
    for (const r of ['deployments', 'replicasets', 'pods']) assert.deepEqual(api.all(r, 'team'), [], r);
  });
});
