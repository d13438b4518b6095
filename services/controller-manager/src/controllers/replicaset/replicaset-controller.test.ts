import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ApiError, controllerOf, nowRFC3339, type Pod, type ReplicaSet } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { ApiPodControl, FakePodControl, type PodControl } from '../../pod-control.js';
import { eventually, settle } from '../../testing/eventually.js';
import { FakeEventRecorder as FakeRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { makePod, makeReplicaSet } from '../../testing/fixtures.js';
import { EXPECTATIONS_TIMEOUT_MS } from './expectations.js';
import { ReplicaSetController } from './replicaset-controller.js';

interface Harness {
  api: FakeApi;
  clock: FakeClock;
  recorder: FakeRecorder;
  controller: ReplicaSetController;
  replicaSets: Informer<ReplicaSet>;
  pods: Informer<Pod>;
  /** Starts the workers (tests that call reconcile directly do not). */
  run(): void;
  stop(): Promise<void>;
}

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

type Client = ConstructorParameters<typeof ReplicaSetController>[0]['client'];

async function harness(o: { podControl?: PodControl; client?: (api: FakeApi) => Client } = {}): Promise<Harness> {
  const api = new FakeApi();
  const clock = new FakeClock();
  const recorder = new FakeRecorder();
  const ac = new AbortController();
  const replicaSets = new Informer<ReplicaSet>(api, 'replicasets', { clock });
  const pods = new Informer<Pod>(api, 'pods', { clock });
  const controller = new ReplicaSetController({
    replicaSets,
    pods,
    client: o.client ? o.client(api) : api,
    podControl: o.podControl ?? new ApiPodControl(api),
    recorder,
    clock,
    log: silentLogger(),
  });
  replicaSets.start(ac.signal);
  pods.start(ac.signal);
  await Promise.all([replicaSets.waitForSync(), pods.waitForSync()]);
  let workers: Promise<void> | undefined;
  const h: Harness = {
    api,
    clock,
    recorder,
    controller,
    replicaSets,
    pods,
    run: () => {
      workers = controller.run(ac.signal, 2);
    },
    stop: async () => {
      ac.abort();
      await workers;
    },
  };
  running.push(h);
  return h;
}

function rsBody(replicas: number, o: { minReadySeconds?: number } = {}): ReplicaSet {
  const rs = makeReplicaSet({ replicas, ...o });
  // What a user sends: no uid, version or status.
  rs.metadata = { name: 'web', namespace: 'default' };
  delete rs.status;
  return rs;
}

async function cached(h: Harness, rs: ReplicaSet): Promise<ReplicaSet> {
  return eventually(() => {
    const c = h.replicaSets.get('default/web');
    return c?.metadata.resourceVersion === rs.metadata.resourceVersion ? (c as ReplicaSet) : undefined;
  }, 'the informer to see the ReplicaSet');
}

/** Writes a pod's status, as its kubelet would. */
async function setStatus(h: Harness, name: string, status: Pod['status']): Promise<void> {
  await h.api.patch('pods', 'default', name, { status }, { subresource: 'status' });
}

const livePods = (h: Harness): Pod[] => h.api.all<Pod>('pods', 'default').filter((p) => !p.metadata.deletionTimestamp);

describe('ReplicaSetController', () => {
  it('creates the pods of a new ReplicaSet, owned, named after it, and reports status', async () => {
    const h = await harness();
    h.run();
    const rs = await h.api.create('replicasets', rsBody(3));
    const pods = await eventually(() => (livePods(h).length === 3 ? livePods(h) : undefined), '3 pods');
    for (const pod of pods) {
      assert.match(pod.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
      assert.deepEqual(pod.metadata.labels, { app: 'web' });
      assert.deepEqual(pod.metadata.ownerReferences, [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
      assert.equal(pod.spec.containers[0]?.image, 'skiff/demo-web:v1');
    }
    const status = await eventually(() => {
      const s = h.api.peek<ReplicaSet>('replicasets', 'default', 'web')?.status;
      return s?.replicas === 3 ? s : undefined;
    }, 'status.replicas=3');
    assert.equal(status.observedGeneration, 1);
    assert.equal(status.readyReplicas, 0);
    const created = h.recorder.events.filter((e) => e.reason === 'SuccessfulCreate');
    assert.deepEqual(created.map((e) => e.message).sort(), pods.map((p) => `Created pod: ${p.metadata.name ?? ''}`).sort());
    assert.ok(created.every((e) => e.type === 'Normal' && e.object === 'ReplicaSet/default/web'));
  });

  it('scales up and down, deleting the least useful pods first, and replaces a deleted pod', async () => {
    const h = await harness();
    h.run();
    const rs = await h.api.create('replicasets', rsBody(3));
    await eventually(() => livePods(h).length === 3, '3 pods');
    // Two pods become ready on a node; the rest stay pending and unscheduled.
    const [a, b] = livePods(h);
    for (const p of [a, b]) {
      await setStatus(h, p?.metadata.name ?? '', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: nowRFC3339() }] });
    }
    const latest = (): ReplicaSet => h.api.peek<ReplicaSet>('replicasets', 'default', 'web') as ReplicaSet;
    await h.api.update('replicasets', { ...latest(), spec: { ...latest().spec, replicas: 5 } });
    await eventually(() => livePods(h).length === 5, '5 pods');
    await h.api.update('replicasets', { ...latest(), spec: { ...latest().spec, replicas: 2 } });
    await eventually(() => livePods(h).length === 2, '2 pods');
    assert.deepEqual(livePods(h).map((p) => p.metadata.name).sort(), [a?.metadata.name, b?.metadata.name].sort(), 'the ready pods are kept');
    assert.equal(h.recorder.events.filter((e) => e.reason === 'SuccessfulDelete').length, 3);
    assert.match(h.recorder.events.find((e) => e.reason === 'SuccessfulDelete')?.message ?? '', /^Deleted pod: web-[a-z0-9]{5}$/);

    await h.api.delete('pods', 'default', a?.metadata.name ?? '');
    await eventually(() => livePods(h).length === 2 && !livePods(h).some((p) => p.metadata.name === a?.metadata.name), 'a replacement pod');
    const status = await eventually(() => {
      const s = latest().status;
      return s?.replicas === 2 && s.observedGeneration === 3 ? s : undefined;
    }, 'status after scaling');
    assert.equal(status.readyReplicas, 1);
    assert.equal(rs.metadata.generation, 1);
  });

  it('does not create again before the informer has seen its creates (expectations), until they expire', async () => {
    const podControl = new FakePodControl(); // creates never reach the API: the informer never sees them
    const h = await harness({ podControl });
    const rs = await cached(h, await h.api.create('replicasets', rsBody(3)));
    const first = await h.controller.reconcile('default/web');
    assert.equal(podControl.created().length, 3);
    assert.ok(first && first.requeueAfterMs !== undefined && first.requeueAfterMs <= EXPECTATIONS_TIMEOUT_MS + 1, 'looks again when expectations expire');
    await h.controller.reconcile('default/web');
    await h.controller.reconcile('default/web');
    assert.equal(podControl.created().length, 3, 'no overshoot while waiting');
    h.clock.advance(EXPECTATIONS_TIMEOUT_MS + 1);
    await h.controller.reconcile('default/web');
    assert.equal(podControl.created().length, 6, 'expired expectations: it acts on what it sees');
    assert.equal(rs.spec.replicas, 3);
  });

  it('observing its own creates lets it act again at once', async () => {
    const h = await harness();
    await cached(h, await h.api.create('replicasets', rsBody(2)));
    await h.controller.reconcile('default/web');
    await eventually(() => h.pods.list().length === 2, 'the informer to see both pods');
    assert.deepEqual(h.controller.expectations.pending('default/web'), { add: 0, del: 0 }, 'both creates observed');
    assert.equal(h.controller.expectations.satisfied('default/web'), true);
  });

  it('batches creates slowly when they fail, records FailedCreate and sets ReplicaFailure', async () => {
    const podControl = new FakePodControl();
    podControl.failCreate = () => new Error('pods "web-" is forbidden: exceeded quota');
    const h = await harness({ podControl });
    await cached(h, await h.api.create('replicasets', rsBody(5)));
    await assert.rejects(h.controller.reconcile('default/web'), /exceeded quota/);
    assert.equal(h.api.calls.filter((c) => c.verb === 'updateStatus').length, 1);
    const warnings = h.recorder.events.filter((e) => e.type === 'Warning');
    assert.deepEqual(warnings, [
      { object: 'ReplicaSet/default/web', type: 'Warning', reason: 'FailedCreate', message: 'Error creating: pods "web-" is forbidden: exceeded quota' },
    ]);
    const cond = h.api.peek<ReplicaSet>('replicasets', 'default', 'web')?.status?.conditions?.[0];
    assert.equal(cond?.type, 'ReplicaFailure');
    assert.equal(cond?.reason, 'FailedCreate');
    assert.equal(h.controller.expectations.satisfied('default/web'), true, 'failed creates are not waited for');
  });

  it('neither reports nor retries creates refused because the namespace is being deleted', async () => {
    const podControl = new FakePodControl();
    podControl.failCreate = () =>
      new ApiError('Forbidden', 'pods "web-" is forbidden: unable to create new content in namespace default because it is being terminated', {
        causes: [{ reason: 'NamespaceTerminating', message: 'unable to create new content in namespace default because it is being terminated', field: 'metadata.namespace' }],
      });
    const h = await harness({ podControl });
    await cached(h, await h.api.create('replicasets', rsBody(3)));
    await h.controller.reconcile('default/web');
    assert.deepEqual(h.recorder.events.filter((e) => e.type === 'Warning'), []);
    assert.equal(h.api.peek<ReplicaSet>('replicasets', 'default', 'web')?.status?.conditions, undefined, 'no ReplicaFailure');
    assert.equal(h.controller.expectations.satisfied('default/web'), true);
  });

  it('adopts a matching orphan and releases an owned pod that no longer matches', async () => {
    const h = await harness();
    const rs = await cached(h, await h.api.create('replicasets', rsBody(2)));
    const orphanBody = makePod({ name: 'orphan' });
    orphanBody.metadata = { name: 'orphan', namespace: 'default', labels: { app: 'web' } };
    await h.api.create('pods', orphanBody);
    const strayBody = makePod({ name: 'stray', owner: rs, labels: { app: 'debug' } });
    strayBody.metadata = { name: 'stray', namespace: 'default', labels: { app: 'debug' }, ownerReferences: strayBody.metadata.ownerReferences ?? [] };
    await h.api.create('pods', strayBody);
    await eventually(() => h.pods.list().length === 2, 'the informer to see both pods');
    await h.controller.reconcile('default/web');
    const orphan = h.api.peek<Pod>('pods', 'default', 'orphan');
    assert.equal(controllerOf(orphan as Pod)?.uid, rs.metadata.uid, 'adopted');
    assert.equal(h.api.peek<Pod>('pods', 'default', 'stray')?.metadata.ownerReferences, undefined, 'released');
    assert.equal(livePods(h).filter((p) => controllerOf(p)?.uid === rs.metadata.uid).length, 2, 'one adopted + one created');
  });

  it('re-checks the ReplicaSet with a live read before adopting', async () => {
    const podControl = new FakePodControl();
    const h = await harness({
      podControl,
      client: (api) => ({
        // The ReplicaSet was deleted and re-created under the same name: the cache is behind.
        get: async <T,>() => ({ ...api.peek<ReplicaSet>('replicasets', 'default', 'web'), metadata: { name: 'web', namespace: 'default', uid: 'a-new-uid' } }) as T,
        updateStatus: (resource, obj) => api.updateStatus(resource, obj),
      }),
    });
    await cached(h, await h.api.create('replicasets', rsBody(1)));
    const orphanBody = makePod({ name: 'orphan' });
    orphanBody.metadata = { name: 'orphan', namespace: 'default', labels: { app: 'web' } };
    await h.api.create('pods', orphanBody);
    await eventually(() => h.pods.list().length === 1, 'the informer to see the orphan');
    await assert.rejects(h.controller.reconcile('default/web'), /is gone/);
    assert.deepEqual(podControl.patched(), []);
    assert.deepEqual(podControl.created(), [], 'nothing is done on a claim failure');
  });

  it('reports availability after minReadySeconds, looking again when it is due', async () => {
    const h = await harness();
    h.run();
    await h.api.create('replicasets', rsBody(1, { minReadySeconds: 10 }));
    const [pod] = await eventually(() => (livePods(h).length === 1 ? livePods(h) : undefined), 'a pod');
    const readyAt = nowRFC3339(new Date(h.clock.now()));
    await setStatus(h, pod?.metadata.name ?? '', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: readyAt }] });
    const status = (): ReplicaSet['status'] => h.api.peek<ReplicaSet>('replicasets', 'default', 'web')?.status;
    await eventually(() => status()?.readyReplicas === 1, 'ready');
    await settle();
    assert.equal(status()?.availableReplicas, 0);
    h.clock.advance(10_000);
    await eventually(() => status()?.availableReplicas === 1, 'available after minReadySeconds');
  });

  it('writes status only when it changes', async () => {
    const h = await harness();
    await cached(h, await h.api.create('replicasets', rsBody(0)));
    await h.controller.reconcile('default/web');
    const writes = (): number => h.api.calls.filter((c) => c.verb === 'updateStatus').length;
    assert.equal(writes(), 1, 'observedGeneration is new');
    await eventually(() => h.replicaSets.get('default/web')?.status?.observedGeneration === 1, 'the informer to see the status');
    await h.controller.reconcile('default/web');
    assert.equal(writes(), 1);
  });

  it('forgets a deleted ReplicaSet', async () => {
    const h = await harness({ podControl: new FakePodControl() });
    await cached(h, await h.api.create('replicasets', rsBody(2)));
    await h.controller.reconcile('default/web');
    assert.deepEqual(h.controller.expectations.pending('default/web'), { add: 2, del: 0 });
    await h.api.delete('replicasets', 'default', 'web');
    await eventually(() => h.replicaSets.get('default/web') === undefined, 'the informer to see the deletion');
    assert.equal(await h.controller.reconcile('default/web'), undefined);
    assert.equal(h.controller.expectations.pending('default/web'), undefined);
  });
});
