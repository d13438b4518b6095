import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Lease, Node, Pod, PodDisruptionBudget, ReplicaSet } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { DEFAULT_CONFIG, run } from './run.js';
import { eventually } from './testing/eventually.js';
import { makeReplicaSet } from './testing/fixtures.js';
import { startComponent } from './testing/start-component.js';
import { withoutResources } from './testing/unserved-resources.js';

const start = startComponent;

function rs(replicas: number): ReplicaSet {
  const r = makeReplicaSet({ replicas });
  r.metadata = { name: 'web', namespace: 'default' };
  delete r.status;
  return r;
}

const pods = (api: FakeApi): Pod[] => api.all<Pod>('pods', 'default');

describe('controller-manager run()', () => {
  it('leads, runs the ReplicaSet controller and the GC, and serves health and metrics', async () => {
    const api = new FakeApi();
    const cm = await start(api);
    try {
      const lease = await eventually(() => api.peek<Lease>('leases', 'kube-system', 'kube-controller-manager'), 'the Lease');
      assert.equal(lease.spec.holderIdentity, 'test-cm');
      await api.create('replicasets', rs(3));
      await eventually(() => pods(api).length === 3, '3 pods');
      await api.delete('replicasets', 'default', 'web');
      await eventually(() => pods(api).length === 0, 'the GC to delete the pods');

      const get = async (path: string): Promise<{ status: number; body: string }> => {
        const res = await fetch(`http://127.0.0.1:${cm.port}${path}`);
        return { status: res.status, body: await res.text() };
      };
      assert.equal((await get('/healthz')).status, 200);
      await eventually(async () => (await get('/readyz')).status === 200, '/readyz');
      const metrics = (await get('/metrics')).body;
      assert.match(metrics, /workqueue_adds_total\{name="replicaset"\} [1-9]/);
      assert.match(metrics, /workqueue_adds_total\{name="garbagecollector"\} [1-9]/);
      assert.match(metrics, /workqueue_depth\{name="replicaset"\}/);
      assert.match(metrics, /workqueue_work_duration_seconds_count\{name="replicaset"\} [1-9]/);
      assert.match(metrics, /# TYPE workqueue_retries_total counter/);
    } finally {
      await cm.stop();
    }
    const released = api.peek<Lease>('leases', 'kube-system', 'kube-controller-manager');
    assert.equal(released?.spec.holderIdentity, '', 'the lease is given up on a clean stop');
  });

  it('runs only the controllers asked for', async () => {
    const api = new FakeApi();
    const cm = await start(api, { controllers: 'replicaset', leaderElect: false });
    try {
      await api.create('replicasets', rs(2));
      await eventually(() => pods(api).length === 2, '2 pods');
      const metrics = await (await fetch(`http://127.0.0.1:${cm.port}/metrics`)).text();
      assert.match(metrics, /workqueue_depth\{name="replicaset"\}/);
      assert.doesNotMatch(metrics, /name="garbagecollector"/, 'no garbage collector queue');
      assert.equal(api.peek('leases', 'kube-system', 'kube-controller-manager'), undefined, 'no leader election');
    } finally {
      await cm.stop();
    }
  });

  it('refuses an unknown controller name', async () => {
    await assert.rejects(
      run(new AbortController().signal, { ...DEFAULT_CONFIG, controllers: 'replicaset,endpoints' }, { client: new FakeApi(), log: silentLogger() }),
      /"endpoints" is not in the list of known controllers/,
    );
  });
});

describe('controller-manager run(): node lifecycle and disruption', () => {
  it('runs the node lifecycle and disruption controllers', async () => {
    const api = new FakeApi();
    const cm = await start(api, { controllers: 'nodelifecycle,disruption', leaderElect: false });
    try {
      await api.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { unschedulable: true } });
      await eventually(() => api.peek<Node>('nodes', '', 'n1')?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unschedulable'), 'the cordon taint');
      await api.create<PodDisruptionBudget>('poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
      await eventually(() => api.peek<PodDisruptionBudget>('poddisruptionbudgets', 'default', 'web')?.status?.observedGeneration === 1, 'the PDB status');
      const metrics = await (await fetch(`http://127.0.0.1:${cm.port}/metrics`)).text();
      for (const name of ['node_lifecycle_controller', 'node_lifecycle_controller_pods', 'noexec_taint', 'disruption']) assert.match(metrics, new RegExp(`workqueue_depth\\{name="${name}"\\}`));
    } finally {
      await cm.stop();
    }
  });

  it('skips the disruption controller when the apiserver does not serve PodDisruptionBudgets', async () => {
    const api = new FakeApi();
    const noPdbs = withoutResources(api, ['poddisruptionbudgets']);
    const cm = await start(noPdbs, { controllers: 'replicaset,disruption', leaderElect: false });
    try {
      await api.create('replicasets', rs(1));
      await eventually(() => pods(api).length === 1, 'the other controllers still run');
      const metrics = await (await fetch(`http://127.0.0.1:${cm.port}/metrics`)).text();
      assert.doesNotMatch(metrics, /name="disruption"/);
    } finally {
      await cm.stop();
    }
  });
});
