// Deployments and namespace deletion with the controller-manager in-process against the real
// apiserver on a real etcd. No scheduler or kubelet runs: a stand-in "kubelet" makes every pod
// Running and Ready by writing its status, as a kubelet would; unscheduled pods are deleted at once.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isApiError, nowRFC3339, type Deployment, type Event, type Namespace, type Pod, type ReplicaSet } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { Informer } from '@skiff/machinery';
import { getCondition, PROGRESSING } from './controllers/deployment/deployment-status.js';
import { REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION } from './controllers/deployment/replica-sets.js';
import { eventually } from './testing/eventually.js';
import { startTestCluster, type TestCluster } from './testing/test-cluster.js';

const TIMEOUT_MS = 30_000;

function deployment(namespace: string, image: string, replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace, annotations: { 'kubernetes.io/change-cause': `deploy ${image}` } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
    },
  };
}

const isReady = (p: Pod): boolean => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

describe('Deployments and namespaces against a real apiserver and etcd', () => {
  let cluster: TestCluster | undefined;
  let client: ApiClient;

  before(async () => {
    cluster = await startTestCluster();
    client = cluster.client;
    cluster.startControllerManager({ leaderElect: false, controllers: 'replicaset,deployment,namespace,garbagecollector' });
    // The stand-in kubelet: every pod that shows up becomes Running and Ready.
    const pods = new Informer<Pod>(client, 'pods');
    const markReady = (p: Readonly<Pod>): void => {
      if (isReady(p as Pod) || p.metadata.deletionTimestamp) return;
      const status = { phase: 'Running' as const, conditions: [{ type: 'Ready', status: 'True' as const, lastTransitionTime: nowRFC3339() }] };
      // Gone or changed meanwhile: its next event tries again.
      client.updateStatus('pods', { ...(p as Pod), status }).catch(() => undefined);
    };
    pods.on({ add: markReady, update: (_o, cur) => markReady(cur) });
    pods.start(cluster.signal);
  });

  after(() => cluster?.stop());

  const getDeployment = (ns = 'default'): Promise<Deployment> => client.get<Deployment>('deployments', ns, 'web');
  const replicaSets = async (ns = 'default'): Promise<ReplicaSet[]> => (await client.list<ReplicaSet>('replicasets', { namespace: ns })).items;
  const imageOf = (rs: ReplicaSet): string | undefined => rs.spec.template.spec.containers[0]?.image;

  /** Waits until the Deployment has observed its latest generation and rolled it out completely. */
  async function rolledOut(replicas: number, ns = 'default'): Promise<Deployment> {
    return eventually(
      async () => {
        const d = await getDeployment(ns);
        const s = d.status;
        const done =
          s?.observedGeneration === d.metadata.generation &&
          s?.updatedReplicas === replicas &&
          s.replicas === replicas &&
          s.availableReplicas === replicas &&
          getCondition(s, PROGRESSING)?.reason === 'NewReplicaSetAvailable';
        return done ? d : undefined;
      },
      'the rollout to complete',
      TIMEOUT_MS,
      50,
    );
  }

  async function setImage(image: string): Promise<void> {
    await client.patch('deployments', 'default', 'web', {
      metadata: { annotations: { 'kubernetes.io/change-cause': `deploy ${image}` } },
      spec: { template: { spec: { containers: [{ name: 'web', image }] } } },
    });
  }

  it('rolls a Deployment from v1 to v2 with 2 ReplicaSets and revisions 1 and 2, and back without a third', async () => {
    await client.create('deployments', deployment('default', 'skiff/demo-web:v1', 3));
    await rolledOut(3);
    const [v1] = await replicaSets();
    assert.ok(v1);
    assert.match(v1.metadata.name ?? '', /^web-[4-9bcdf]+$/);
    const hash = v1.metadata.labels?.['pod-template-hash'];
    assert.equal(v1.metadata.name, `web-${hash ?? ''}`);
    assert.equal(v1.metadata.annotations?.[REVISION_ANNOTATION], '1');

    // Watch the pods during the rollout: never more than 3 + maxSurge of them.
    const list = await client.list<Pod>('pods', { namespace: 'default' });
    const live = new Set(list.items.map((p) => p.metadata.uid));
    let maxPods = live.size;
    const watch = client.watch<Pod>('pods', { namespace: 'default', resourceVersion: list.metadata.resourceVersion ?? '' });
    const watching = (async () => {
      for await (const ev of watch) {
        const uid = ev.object.metadata.uid;
        if (ev.type === 'DELETED' || ev.object.metadata.deletionTimestamp) live.delete(uid);
        else live.add(uid);
        maxPods = Math.max(maxPods, live.size);
      }
    })();

    await setImage('skiff/demo-web:v2');
    const d2 = await rolledOut(3);
    watch.close();
    await watching;
    assert.ok(maxPods <= 4, `${maxPods} pods at once`);

    const rss = await replicaSets();
    assert.equal(rss.length, 2);
    const v2 = rss.find((r) => imageOf(r) === 'skiff/demo-web:v2');
    assert.equal(v2?.metadata.annotations?.[REVISION_ANNOTATION], '2');
    assert.equal(v2?.metadata.annotations?.['kubernetes.io/change-cause'], 'deploy skiff/demo-web:v2');
    assert.equal(v2?.spec.replicas, 3);
    assert.equal(rss.find((r) => imageOf(r) === 'skiff/demo-web:v1')?.spec.replicas, 0);
    assert.equal(d2.metadata.annotations?.[REVISION_ANNOTATION], '2');
    const pods = (await client.list<Pod>('pods', { namespace: 'default' })).items;
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.spec.containers[0]?.image === 'skiff/demo-web:v2' && p.metadata.labels?.['pod-template-hash'] === v2?.metadata.labels?.['pod-template-hash']));

    const events = (await client.list<Event>('events', { namespace: 'default' })).items.filter((e) => e.reason === 'ScalingReplicaSet');
    assert.ok(events.some((e) => e.involvedObject.kind === 'Deployment' && e.message === `Scaled up replica set ${v2?.metadata.name ?? ''} from 0 to 1`), JSON.stringify(events.map((e) => e.message)));
    assert.ok(events.some((e) => e.message === `Scaled down replica set ${v1.metadata.name ?? ''} from 3 to 2`));

    // Roll back: the v1 template again reuses the v1 ReplicaSet, which takes revision 3.
    await setImage('skiff/demo-web:v1');
    const d3 = await rolledOut(3);
    const after = await replicaSets();
    assert.equal(after.length, 2, 'no third ReplicaSet');
    const back = after.find((r) => imageOf(r) === 'skiff/demo-web:v1');
    assert.equal(back?.metadata.name, v1.metadata.name);
    assert.equal(back?.metadata.annotations?.[REVISION_ANNOTATION], '3');
    assert.equal(back?.metadata.annotations?.[REVISION_HISTORY_ANNOTATION], '1');
    assert.equal(d3.metadata.annotations?.[REVISION_ANNOTATION], '3');

    // Deleting the Deployment deletes its ReplicaSets and their pods (the garbage collector).
    await client.delete('deployments', 'default', 'web');
    await eventually(async () => (await replicaSets()).length === 0 && (await client.list('pods', { namespace: 'default' })).items.length === 0, 'the ReplicaSets and pods to go', TIMEOUT_MS, 50);
  });

  it('deleting a namespace with a Deployment in it empties it and removes it', async () => {
    await client.create<Namespace>('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await client.create('deployments', deployment('team', 'skiff/demo-web:v1', 2));
    await rolledOut(2, 'team');
    await client.delete('namespaces', '', 'team');
    const terminating = await client.get<Namespace>('namespaces', '', 'team').catch(() => undefined);
    if (terminating) assert.equal(terminating.status?.phase, 'Terminating');
    await eventually(
      async () => {
        try {
          await client.get('namespaces', '', 'team');
          return false;
        } catch (e) {
          return isApiError(e, 'NotFound');
        }
      },
      'the namespace to be removed',
      TIMEOUT_MS,
      50,
    );
    for (const r of ['deployments', 'replicasets', 'pods', 'events']) assert.deepEqual((await client.list(r, { namespace: 'team' })).items, [], r);
  });
});
