import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { nowRFC3339, type Pod, type PodDisruptionBudget, type ReplicaSet } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { FakeEventRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { eventually } from '../../testing/eventually.js';
import { makeReplicaSet, ownerRefTo } from '../../testing/fixtures.js';
import { DisruptionController } from './disruption-controller.js';

interface Harness {
  api: FakeApi;
  clock: FakeClock;
  recorder: FakeEventRecorder;
  stop(): Promise<void>;
}

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

async function start(): Promise<Harness> {
  const api = new FakeApi();
  const clock = new FakeClock(Date.now());
  const recorder = new FakeEventRecorder();
  const ac = new AbortController();
  const pdbs = new Informer<PodDisruptionBudget>(api, 'poddisruptionbudgets', { clock });
  const pods = new Informer<Pod>(api, 'pods', { clock });
  const replicaSets = new Informer<ReplicaSet>(api, 'replicasets', { clock });
  const controller = new DisruptionController({ pdbs, pods, replicaSets, client: api, recorder, clock, log: silentLogger() });
  for (const i of [pdbs, pods, replicaSets]) i.start(ac.signal);
  await Promise.all([pdbs.waitForSync(), pods.waitForSync(), replicaSets.waitForSync()]);
  const workers = controller.run(ac.signal, 1);
  const h = {
    api,
    clock,
    recorder,
    stop: async () => {
      ac.abort();
      await workers;
    },
  };
  running.push(h);
  return h;
}

async function addPod(h: Harness, name: string, o: { ready?: boolean; owner?: ReplicaSet; labels?: Record<string, string> } = {}): Promise<void> {
  const pod = await h.api.create<Pod>('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: o.labels ?? { app: 'web' }, ...(o.owner && { ownerReferences: [ownerRefTo(o.owner)] }) },
    spec: { nodeName: 'n1', containers: [{ name: 'web', image: 'x' }] },
  });
  await setReady(h, pod.metadata.name ?? '', o.ready ?? true);
}

async function setReady(h: Harness, name: string, ready: boolean): Promise<void> {
  const pod = h.api.peek<Pod>('pods', 'default', name);
  if (!pod) throw new Error(name);
  await h.api.updateStatus('pods', { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
}

async function addPdb(h: Harness, spec: Omit<PodDisruptionBudget['spec'], 'selector'>): Promise<void> {
  await h.api.create<PodDisruptionBudget>('poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { ...spec, selector: { matchLabels: { app: 'web' } } } });
}

const status = (h: Harness): PodDisruptionBudget['status'] => h.api.peek<PodDisruptionBudget>('poddisruptionbudgets', 'default', 'web')?.status;

function statusIs(h: Harness, want: Partial<NonNullable<PodDisruptionBudget['status']>>): () => boolean {
  return () => {
    const s = status(h) as Record<string, unknown> | undefined;
    return s !== undefined && Object.entries(want).every(([k, v]) => JSON.stringify(s[k]) === JSON.stringify(v));
  };
}

describe('disruption controller', () => {
  it('keeps minAvailable status as pods become ready, unready and terminate', async () => {
    const h = await start();
    for (const n of ['a', 'b', 'c']) await addPod(h, n);
    await addPod(h, 'other', { labels: { app: 'db' } });
    await addPdb(h, { minAvailable: 2 });
    await eventually(statusIs(h, { expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, observedGeneration: 1 }), 'the first status');
    assert.equal(status(h)?.conditions?.[0]?.reason, 'SufficientPods');
    assert.equal(status(h)?.conditions?.[0]?.status, 'True');

    await setReady(h, 'a', false);
    await eventually(statusIs(h, { currentHealthy: 2, disruptionsAllowed: 0 }), 'no disruption once a pod is not ready');
    assert.equal(status(h)?.conditions?.[0]?.reason, 'InsufficientPods');

    await setReady(h, 'a', true);
    await addPod(h, 'd');
    await eventually(statusIs(h, { expectedPods: 4, currentHealthy: 4, disruptionsAllowed: 2 }), 'a fourth ready pod');

    // Terminating (graceful deletion on its node): still expected, not healthy.
    await h.api.delete('pods', 'default', 'd');
    await eventually(statusIs(h, { expectedPods: 4, currentHealthy: 3, disruptionsAllowed: 1 }), 'the terminating pod is not healthy');
  });

  it('takes maxUnavailable and percentages against the controllers’ scale', async () => {
    const h = await start();
    const rs = await h.api.create<ReplicaSet>('replicasets', { ...makeReplicaSet({ replicas: 5 }), metadata: { name: 'web', namespace: 'default' } });
    for (const n of ['a', 'b', 'c', 'd']) await addPod(h, n, { owner: rs });
    await addPdb(h, { maxUnavailable: '30%' });
    // 5 expected (the ReplicaSet's replicas, though 4 pods exist); ceil(30% of 5) = 2 may be unavailable.
    await eventually(statusIs(h, { expectedPods: 5, desiredHealthy: 3, currentHealthy: 4, disruptionsAllowed: 1 }), 'maxUnavailable 30%');

    await h.api.patch('replicasets', 'default', 'web', { spec: { replicas: 10 } });
    await eventually(statusIs(h, { expectedPods: 10, desiredHealthy: 7, disruptionsAllowed: 0 }), 'follows a scale-up of the ReplicaSet');
  });

  it('drops a recorded disruption once the pod is deleted, or after 2 minutes', async () => {
    const h = await start();
    for (const n of ['a', 'b', 'c']) await addPod(h, n);
    await addPdb(h, { minAvailable: 1 });
    await eventually(statusIs(h, { disruptionsAllowed: 2 }), 'the first status');
    // The eviction subresource allowed evicting a and b just now.
    const pdb = h.api.peek<PodDisruptionBudget>('poddisruptionbudgets', 'default', 'web');
    const at = nowRFC3339(new Date(h.clock.now()));
    await h.api.updateStatus('poddisruptionbudgets', { ...pdb, status: { ...pdb?.status, disruptionsAllowed: 0, disruptedPods: { a: at, b: at } } } as PodDisruptionBudget);
    await eventually(statusIs(h, { currentHealthy: 1, disruptionsAllowed: 0, disruptedPods: { a: at, b: at } }), 'the disrupted pods do not count as healthy');

    await h.api.delete('pods', 'default', 'a', { gracePeriodSeconds: 0 });
    await eventually(statusIs(h, { expectedPods: 2, currentHealthy: 1, disruptedPods: { b: at } }), 'the deleted pod’s entry dropped');

    // b was never deleted: after 2 minutes it counts again.
    h.clock.advance(120_000);
    await eventually(() => statusIs(h, { currentHealthy: 2, disruptionsAllowed: 1 })() && status(h)?.disruptedPods === undefined, 'the stale entry dropped');
    assert.ok(h.recorder.events.some((e) => e.object === 'Pod/default/b' && e.reason === 'NotDeleted'));
  });

  it('allows no disruption when a pod’s controller cannot be found, and warns of unmanaged pods', async () => {
    const h = await start();
    const ghost = makeReplicaSet({ name: 'ghost' });
    await addPod(h, 'a', { owner: ghost });
    await addPod(h, 'b');
    await addPdb(h, { maxUnavailable: 1 });
    await eventually(() => status(h)?.conditions?.[0]?.reason === 'SyncFailed', 'the fail-safe status');
    assert.equal(status(h)?.disruptionsAllowed, 0);
    assert.match(status(h)?.conditions?.[0]?.message ?? '', /found no controllers for pod "a"/);

    await h.api.delete('pods', 'default', 'a', { gracePeriodSeconds: 0 });
    await eventually(() => h.recorder.reasons().includes('UnmanagedPods'), 'the UnmanagedPods warning');
  });
});
