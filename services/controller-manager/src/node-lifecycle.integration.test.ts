// The node lifecycle controller in-process against the real apiserver on a real etcd: a node whose
// Lease stops being renewed goes Unknown and gets the unreachable taints, its pod goes not Ready,
// and a pod tolerating the taint for 2 s is deleted once they run out; a node whose Lease is renewed
// is left alone. No kubelet runs: the test registers the nodes and renews the healthy one's Lease.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findCondition, type Lease, type Node, type Pod } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { eventually } from './testing/eventually.js';
import { startTestCluster, type TestCluster } from './testing/test-cluster.js';

const TIMEOUT_MS = 20_000;
const suffix = Math.random().toString(36).slice(2, 7);
const DEAD = `dead-${suffix}`;
const ALIVE = `alive-${suffix}`;

describe('node lifecycle against a real apiserver and etcd', () => {
  let cluster: TestCluster | undefined;
  let client: ApiClient;
  let heartbeat: NodeJS.Timeout | undefined;

  before(async () => {
    cluster = await startTestCluster();
    client = cluster.client;
  });

  after(async () => {
    clearInterval(heartbeat);
    await cluster?.stop();
  });

  async function register(name: string): Promise<void> {
    const now = new Date().toISOString();
    const conditions = [{ type: 'Ready', status: 'True' as const, reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }];
    await client.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { conditions } });
    await client.create<Lease>('leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'kube-node-lease' },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now },
    });
  }

  async function boundReadyPod(name: string, node: string, tolerationSeconds?: number): Promise<void> {
    const tolerations = tolerationSeconds === undefined ? [] : [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' as const, effect: 'NoExecute' as const, tolerationSeconds }];
    await client.create<Pod>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }], tolerations },
    });
    await client.bind('default', name, node);
    const pod = await client.get<Pod>('pods', 'default', name);
    await client.updateStatus('pods', { ...pod, status: { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
  }

  it('marks a silent node Unknown, taints it, and evicts its pod after its toleration', async () => {
    await register(DEAD);
    await register(ALIVE);
    heartbeat = setInterval(() => void client.patch('leases', 'kube-node-lease', ALIVE, { spec: { renewTime: new Date().toISOString() } }).catch(() => undefined), 300);
    await boundReadyPod('patient', DEAD, 2);
    await boundReadyPod('healthy', ALIVE);

    cluster?.startControllerManager({
      leaderElect: false,
      controllers: 'nodelifecycle',
      nodeLifecycle: { nodeMonitorPeriodMs: 200, nodeMonitorGracePeriodMs: 1_500, nodeEvictionRate: 10 },
    });

    const dead = await eventually(
      async () => {
        const n = await client.get<Node>('nodes', '', DEAD);
        return (n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute') ? n : undefined;
      },
      'the unreachable NoExecute taint',
      TIMEOUT_MS,
      50,
    );
    const ready = findCondition(dead.status?.conditions, 'Ready');
    assert.equal(ready?.status, 'Unknown');
    assert.equal(ready?.reason, 'NodeStatusUnknown');
    assert.equal(ready?.message, 'Kubelet stopped posting node status.');

    const deleted = await eventually(
      async () => {
        const p = await client.get<Pod>('pods', 'default', 'patient');
        return p.metadata.deletionTimestamp ? p : undefined;
      },
      'the tolerating pod to be deleted after 2 s',
      TIMEOUT_MS,
      50,
    );
    assert.equal(findCondition(deleted.status?.conditions, 'Ready')?.status, 'False', 'marked not Ready first');
    assert.equal(findCondition(deleted.status?.conditions, 'DisruptionTarget')?.reason, 'DeletionByTaintManager');

    const alive = await client.get<Node>('nodes', '', ALIVE);
    assert.equal(findCondition(alive.status?.conditions, 'Ready')?.status, 'True');
    assert.deepEqual(alive.spec?.taints ?? [], []);
    const healthy = await client.get<Pod>('pods', 'default', 'healthy');
    assert.equal(healthy.metadata.deletionTimestamp, undefined);
  });
});
