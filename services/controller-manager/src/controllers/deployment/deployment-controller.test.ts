import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { controllerOf, nowRFC3339, type Deployment, type Pod, type ReplicaSet } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { FakeEventRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { ApiPodControl } from '../../pod-control.js';
import { makeDeployment } from '../../testing/deployment-fixtures.js';
import { eventually } from '../../testing/eventually.js';
import { ReplicaSetController } from '../replicaset/replicaset-controller.js';
import { DeploymentController } from './deployment-controller.js';
import { getCondition, PROGRESSING } from './deployment-status.js';
import { computeHash } from './pod-template-hash.js';
import { REVISION_ANNOTATION } from './replica-sets.js';

interface Harness {
  api: FakeApi;
  clock: FakeClock;
  recorder: FakeEventRecorder;
  controller: DeploymentController;
  stop(): Promise<void>;
}

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

/** The Deployment and ReplicaSet controllers on shared informers over a fake API. */
async function harness(): Promise<Harness> {
  const api = new FakeApi();
  const clock = new FakeClock();
  const recorder = new FakeEventRecorder();
  const ac = new AbortController();
  const deployments = new Informer<Deployment>(api, 'deployments', { clock });
  const replicaSets = new Informer<ReplicaSet>(api, 'replicasets', { clock });
  const pods = new Informer<Pod>(api, 'pods', { clock });
  const log = silentLogger();
  const controller = new DeploymentController({ deployments, replicaSets, pods, client: api, recorder, clock, log });
  const rsController = new ReplicaSetController({ replicaSets, pods, client: api, podControl: new ApiPodControl(api), recorder: new FakeEventRecorder(), clock, log });
  for (const i of [deployments, replicaSets, pods]) i.start(ac.signal);
  await Promise.all([deployments.waitForSync(), replicaSets.waitForSync(), pods.waitForSync()]);
  const workers = [controller.run(ac.signal, 2), rsController.run(ac.signal, 2)];
  const h: Harness = {
    api,
    clock,
    recorder,
    controller,
    stop: async () => {
      ac.abort();
      await Promise.all(workers);
    },
  };
  running.push(h);
  return h;
}

/** What a user sends. */
function body(o: Parameters<typeof makeDeployment>[0] = {}): Deployment {
  const d = makeDeployment(o);
  d.metadata = { name: d.metadata.name ?? 'web', namespace: 'default', ...(d.metadata.annotations ? { annotations: d.metadata.annotations } : {}) };
  delete d.status;
  return d;
}

const deployment = (h: Harness): Deployment => h.api.peek<Deployment>('deployments', 'default', 'web') as Deployment;
const replicaSets = (h: Harness): ReplicaSet[] => h.api.all<ReplicaSet>('replicasets', 'default');
const livePods = (h: Harness): Pod[] => h.api.all<Pod>('pods', 'default').filter((p) => !p.metadata.deletionTimestamp);
const imageOf = (o: { spec: { template: ReplicaSet['spec']['template'] } }): string | undefined => o.spec.template.spec.containers[0]?.image;

/** What kubelets would do: every pod that is not ready yet becomes Running and Ready. */
async function readyAll(h: Harness): Promise<void> {
  for (const pod of livePods(h)) {
    if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    const t = nowRFC3339(new Date(h.clock.now()));
    await h.api.patch('pods', 'default', pod.metadata.name ?? '', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }] } }, { subresource: 'status' });
  }
}

async function update(h: Harness, change: (d: Deployment) => void): Promise<void> {
  const d = deployment(h);
  change(d);
  await h.api.update('deployments', d);
}

describe('DeploymentController', () => {
  it('rolls a Deployment out from v1 to v2 through two ReplicaSets, with revisions and events', async () => {
    const h = await harness();
    await h.api.create('deployments', body({ replicas: 4, maxSurge: 1, maxUnavailable: 0, annotations: { 'kubernetes.io/change-cause': 'v1' } }));
    await eventually(async () => {
      await readyAll(h);
      return deployment(h).status?.availableReplicas === 4;
    }, 'v1 to be available');
    const [v1] = replicaSets(h);
    assert.ok(v1);
    const hash = computeHash(body().spec.template);
    assert.equal(v1.metadata.name, `web-${hash}`);
    assert.equal(v1.metadata.annotations?.[REVISION_ANNOTATION], '1');
    assert.equal(v1.metadata.annotations?.['kubernetes.io/change-cause'], 'v1');
    assert.equal(controllerOf(v1)?.uid, deployment(h).metadata.uid);
    for (const pod of livePods(h)) assert.equal(pod.metadata.labels?.['pod-template-hash'], hash);

    let maxPods = 0;
    let minAvailable = Number.POSITIVE_INFINITY;
    await update(h, (d) => {
      const c = d.spec.template.spec.containers[0];
      if (c) c.image = 'skiff/demo-web:v2';
      d.metadata.annotations = { 'kubernetes.io/change-cause': 'v2' };
    });
    await eventually(async () => {
      maxPods = Math.max(maxPods, livePods(h).length);
      minAvailable = Math.min(minAvailable, replicaSets(h).reduce((n, r) => n + (r.status?.availableReplicas ?? 0), 0));
      await readyAll(h);
      const s = deployment(h).status;
      const fresh = s?.observedGeneration === deployment(h).metadata.generation;
      return fresh && s?.updatedReplicas === 4 && s.availableReplicas === 4 && s.replicas === 4 && getCondition(s, PROGRESSING)?.reason === 'NewReplicaSetAvailable';
    }, 'v2 to be rolled out');
    assert.ok(maxPods <= 5, `${maxPods} pods`);
    assert.ok(minAvailable >= 4, `${minAvailable} available`);

    const rss = replicaSets(h);
    assert.equal(rss.length, 2);
    const v2 = rss.find((r) => imageOf(r) === 'skiff/demo-web:v2');
    assert.equal(v2?.metadata.annotations?.[REVISION_ANNOTATION], '2');
    assert.equal(v2?.metadata.annotations?.['kubernetes.io/change-cause'], 'v2');
    assert.equal(rss.find((r) => imageOf(r) === 'skiff/demo-web:v1')?.spec.replicas, 0);
    assert.equal(deployment(h).metadata.annotations?.[REVISION_ANNOTATION], '2');
    assert.ok(livePods(h).every((p) => p.spec.containers[0]?.image === 'skiff/demo-web:v2'));
    const scaling = h.recorder.events.filter((e) => e.reason === 'ScalingReplicaSet');
    assert.ok(scaling.every((e) => e.object === 'Deployment/default/web' && e.type === 'Normal'));
    assert.ok(scaling.some((e) => e.message === `Scaled up replica set ${v2?.metadata.name ?? ''} from 0 to 1`), JSON.stringify(scaling));
    assert.ok(scaling.some((e) => e.message === `Scaled down replica set web-${hash} from 4 to 3`));
    assert.equal(deployment(h).status?.observedGeneration, deployment(h).metadata.generation);
  });

  it('adopts a matching orphan ReplicaSet and releases one that stops matching', async () => {
    const h = await harness();
    const d = body({ replicas: 2 });
    const hash = computeHash(d.spec.template);
    const template = { ...d.spec.template, metadata: { labels: { app: 'web', 'pod-template-hash': hash } } };
    await h.api.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `web-${hash}`, namespace: 'default', labels: { app: 'web', 'pod-template-hash': hash } },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } }, template },
    } satisfies ReplicaSet);
    const created = await h.api.create('deployments', d);
    const adopted = await eventually(() => {
      const rs = replicaSets(h)[0];
      return rs && controllerOf(rs)?.uid === created.metadata.uid ? rs : undefined;
    }, 'the orphan to be adopted');
    assert.equal(replicaSets(h).length, 1, 'its template matched: no new ReplicaSet');
    assert.equal(controllerOf(adopted)?.blockOwnerDeletion, true);

    await h.api.patch('replicasets', 'default', adopted.metadata.name ?? '', { metadata: { labels: { app: 'other' } } });
    await eventually(() => h.api.peek<ReplicaSet>('replicasets', 'default', adopted.metadata.name ?? '')?.metadata.ownerReferences === undefined, 'the relabelled RS to be released');
    await eventually(() => replicaSets(h).length === 2, 'a new RS for the Deployment');
  });

  it('reports ProgressDeadlineExceeded once the deadline passes without progress', async () => {
    const h = await harness();
    await h.api.create('deployments', body({ replicas: 1, progressDeadlineSeconds: 30 }));
    await eventually(() => livePods(h).length === 1, 'a pod (that never becomes ready)');
    await eventually(() => deployment(h).status?.updatedReplicas === 1, 'the status to count it');
    assert.equal(getCondition(deployment(h).status, PROGRESSING)?.reason, 'ReplicaSetUpdated');
    h.clock.advance(29_000);
    await new Promise((r) => setImmediate(r));
    assert.equal(getCondition(deployment(h).status, PROGRESSING)?.status, 'True');
    h.clock.advance(3_000);
    const cond = await eventually(() => {
      const c = getCondition(deployment(h).status, PROGRESSING);
      return c?.reason === 'ProgressDeadlineExceeded' ? c : undefined;
    }, 'the deadline to be exceeded');
    assert.equal(cond.status, 'False');
  });

  it('resolves a pod-template-hash collision by bumping collisionCount', async () => {
    const h = await harness();
    const d = body({ replicas: 1 });
    const hash = computeHash(d.spec.template);
    // Someone else's ReplicaSet already has the name the Deployment would use.
    await h.api.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: `web-${hash}`, namespace: 'default', labels: { app: 'squatter' } },
      spec: { replicas: 0, selector: { matchLabels: { app: 'squatter' } }, template: { metadata: { labels: { app: 'squatter' } }, spec: { containers: [{ name: 'x', image: 'x' }] } } },
    } satisfies ReplicaSet);
    await h.api.create('deployments', d);
    await eventually(() => deployment(h).status?.collisionCount === 1, 'collisionCount to be bumped');
    const ours = await eventually(async () => {
      h.clock.advance(10); // the failed sync retries after a backoff
      await new Promise((r) => setImmediate(r));
      return replicaSets(h).find((r) => controllerOf(r)?.uid === deployment(h).metadata.uid);
    }, 'a ReplicaSet under another name');
    assert.equal(ours.metadata.name, `web-${computeHash(d.spec.template, 1)}`);
  });

  it('Recreate: the new pods start only after the old ones are gone', async () => {
    const h = await harness();
    await h.api.create('deployments', body({ replicas: 2, strategy: { type: 'Recreate' } }));
    await eventually(async () => {
      await readyAll(h);
      return deployment(h).status?.availableReplicas === 2;
    }, 'v1 to be available');
    const seen: string[][] = [];
    await update(h, (d) => {
      const c = d.spec.template.spec.containers[0];
      if (c) c.image = 'skiff/demo-web:v2';
    });
    await eventually(async () => {
      seen.push([...new Set(livePods(h).map((p) => p.spec.containers[0]?.image ?? ''))]);
      await readyAll(h);
      const st = deployment(h).status;
      return st !== undefined && st.observedGeneration === deployment(h).metadata.generation && st.updatedReplicas === 2 && st.availableReplicas === 2 && st.replicas === 2;
    }, 'v2 to be rolled out');
    assert.equal(replicaSets(h).find((r) => imageOf(r) === 'skiff/demo-web:v2')?.spec.replicas, 2);
    assert.ok(seen.every((images) => images.length <= 1), JSON.stringify(seen));
  });
});
