// The controller-manager in-process against the real apiserver on a real etcd: ReplicaSets get
// their pods, scale both ways, adopt a matching orphan, release a relabelled pod, and deleting the
// ReplicaSet deletes its pods through the garbage collector. No scheduler or kubelet runs, so the
// pods stay unscheduled (and the apiserver deletes unscheduled pods at once).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { controllerOf, type Event, type KubeObject, type Lease, type Pod, type ReplicaSet } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { eventually } from './testing/eventually.js';
import { startTestCluster, type TestCluster } from './testing/test-cluster.js';

const TIMEOUT_MS = 20_000;

describe('controller-manager against a real apiserver and etcd', () => {
  let cluster: TestCluster | undefined;
  let client: ApiClient;

  before(async () => {
    cluster = await startTestCluster();
    client = cluster.client;
    cluster.startControllerManager({ identity: 'integration-cm' });
  });

  after(() => cluster?.stop());

  const podsOf = async (selector: string): Promise<Pod[]> => (await client.list<Pod>('pods', { namespace: 'default', labelSelector: selector })).items;
  const live = (pods: Pod[]): Pod[] => pods.filter((p) => !p.metadata.deletionTimestamp);
  const getRs = (): Promise<ReplicaSet> => client.get<ReplicaSet>('replicasets', 'default', 'web');

  async function scale(replicas: number): Promise<void> {
    for (;;) {
      const rs = await getRs();
      try {
        await client.update('replicasets', { ...rs, spec: { ...rs.spec, replicas } });
        return;
      } catch (e) {
        if (!(e instanceof Error && /modified/.test(e.message))) throw e;
      }
    }
  }

  async function waitForPods(n: number, rs: ReplicaSet): Promise<Pod[]> {
    return eventually(
      async () => {
        const pods = live(await podsOf('app=web')).filter((p) => controllerOf(p)?.uid === rs.metadata.uid);
        return pods.length === n ? pods : undefined;
      },
      `${n} pods of the ReplicaSet`,
      TIMEOUT_MS,
      50,
    );
  }

  it('runs a ReplicaSet end to end', async () => {
    const lease = await eventually(() => client.get<Lease>('leases', 'kube-system', 'kube-controller-manager').catch(() => undefined), 'leadership', TIMEOUT_MS, 50);
    assert.equal(lease.spec.holderIdentity, 'integration-cm');

    const rs = await client.create<ReplicaSet>('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] } },
      },
    });

    // 3 pods named after it, controlled by it.
    const three = await waitForPods(3, rs);
    for (const pod of three) {
      assert.match(pod.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
      assert.deepEqual(controllerOf(pod), { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true });
    }
    const status = await eventually(async () => ((await getRs()).status?.replicas === 3 ? (await getRs()).status : undefined), 'status.replicas=3', TIMEOUT_MS, 50);
    assert.equal(status?.observedGeneration, 1);
    const events = await eventually(
      async () => {
        const evs = (await client.list<Event>('events', { namespace: 'default' })).items.filter((e) => e.reason === 'SuccessfulCreate');
        return evs.length >= 3 ? evs : undefined;
      },
      'SuccessfulCreate events',
      TIMEOUT_MS,
      50,
    );
    assert.ok(events.every((e) => e.involvedObject.name === 'web' && /^Created pod: web-[a-z0-9]{5}$/.test(e.message ?? '')));

    // Scale up and down.
    await scale(5);
    await waitForPods(5, rs);
    await scale(2);
    await waitForPods(2, rs);
    await eventually(async () => (await getRs()).status?.replicas === 2 && (await getRs()).status?.observedGeneration === 3, 'status after scaling', TIMEOUT_MS, 50);

    // A matching orphan is adopted (and, being one too many, the newest pod goes).
    const before = (await client.list<Pod>('pods', { namespace: 'default' })).metadata.resourceVersion ?? '';
    const watch = client.watch<Pod>('pods', { namespace: 'default', resourceVersion: before });
    const orphan = await client.create<Pod>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'orphan', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] },
    });
    let adopted = false;
    try {
      const deadline = setTimeout(() => watch.close(), TIMEOUT_MS);
      for await (const ev of watch) {
        if (ev.object.metadata.uid === orphan.metadata.uid && controllerOf(ev.object)?.uid === rs.metadata.uid) {
          adopted = true;
          break;
        }
      }
      clearTimeout(deadline);
    } finally {
      watch.close();
    }
    assert.ok(adopted, 'the orphan got the ReplicaSet as its controller');
    await waitForPods(2, rs);

    // A pod relabelled out of the selector is released and replaced.
    const [first] = await waitForPods(2, rs);
    await client.patch('pods', 'default', first?.metadata.name ?? '', { metadata: { labels: { app: 'debug' } } });
    await eventually(async () => {
      const p = await client.get<Pod>('pods', 'default', first?.metadata.name ?? '');
      return p.metadata.ownerReferences === undefined;
    }, 'the relabelled pod to be released', TIMEOUT_MS, 50);
    await waitForPods(2, rs);

    // Deleting the ReplicaSet deletes its pods (the GC), and only those.
    await client.delete('replicasets', 'default', 'web');
    await eventually(async () => (await podsOf('app=web')).length === 0, 'the ReplicaSet pods to be deleted', TIMEOUT_MS, 50);
    const kept = await client.get<KubeObject>('pods', 'default', first?.metadata.name ?? '');
    assert.equal(kept.metadata.deletionTimestamp, undefined, 'the released pod is not collected');
  });
});
