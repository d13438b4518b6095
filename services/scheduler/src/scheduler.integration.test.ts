// The scheduler in-process against a real apiserver on a real etcd: nodes and pods created through
// the API, the scheduler (with leader election) binds what fits, spreads a ReplicaSet's pods, leaves
// what fits nowhere Pending with Kubernetes' message, and places it once a big enough node appears.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { findCondition, type Event, type Lease, type Node, type Pod } from '@skiff/api';
import { startApiserver, type RunningApiserver } from '@skiff/apiserver/run';
import { startTestEtcd, type TestEtcd } from '@skiff/apiserver/storage/test-etcd';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { run } from './run.js';

const suffix = randomBytes(3).toString('hex');
const nodeName = (n: string): string => `sched-${suffix}-${n}`;

function node(name: string, memory: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: {
      capacity: { cpu: '4', memory, pods: '110' },
      allocatable: { cpu: '4', memory, pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  };
}

function pod(name: string, memory: string, owner?: { name: string; uid: string }): Pod {
  const p: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: `sched-${suffix}` } },
    spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1', resources: { requests: { cpu: '100m', memory } } }] },
  };
  if (owner) p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.name, uid: owner.uid, controller: true }];
  return p;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('scheduler against a real apiserver and etcd', () => {
  let etcd: TestEtcd;
  let server: RunningApiserver;
  let client: ApiClient;
  const stop = new AbortController();
  let scheduler: Promise<void>;
  let httpPort = 0;

  before(async () => {
    etcd = await startTestEtcd();
    server = await startApiserver({ etcdServers: [etcd.endpoint], bindAddress: '127.0.0.1', port: 0, httpPort: 0 }, { log: silentLogger() });
    client = new ApiClient({ server: server.address });
    await client.create('nodes', node(nodeName('1'), '2Gi'));
    await client.create('nodes', node(nodeName('2'), '2Gi'));
    let listening: () => void = () => undefined;
    const isListening = new Promise<void>((r) => (listening = r));
    scheduler = run(
      stop.signal,
      { apiserver: server.address, bindAddress: '127.0.0.1', httpPort: 0, leaderElect: true, identity: `test-${suffix}` },
      {
        log: silentLogger(),
        onListening: (port) => {
          httpPort = port;
          listening();
        },
      },
    );
    await isListening;
  });

  after(async () => {
    stop.abort();
    await scheduler;
    client?.close();
    await server?.stop();
    await etcd?.stop();
  });

  it('binds pods, spreads a ReplicaSet 2 + 1, and explains what fits nowhere', async () => {
    const owner = { name: `web-${suffix}`, uid: `rs-uid-${suffix}` };
    const names = ['a', 'b', 'c'].map((x) => `web-${suffix}-${x}`);
    for (const n of names) await client.create('pods', pod(n, '256Mi', owner));
    const big = `big-${suffix}`;
    await client.create('pods', pod(big, '3Gi'));

    const placed = await eventually('3 pods bound', async () => {
      const pods = await Promise.all(names.map((n) => client.get<Pod>('pods', 'default', n)));
      const nodes = pods.map((p) => p.spec.nodeName);
      return nodes.every((n) => n) ? (nodes as string[]) : undefined;
    });
    const perNode = [nodeName('1'), nodeName('2')].map((n) => placed.filter((p) => p === n).length).sort();
    assert.deepEqual(perNode, [1, 2]);

    const message = '0/2 nodes are available: 2 Insufficient memory.';
    const cond = await eventually('PodScheduled=False on the big pod', async () => {
      const p = await client.get<Pod>('pods', 'default', big);
      return findCondition(p.status?.conditions, 'PodScheduled');
    });
    assert.deepEqual([cond.status, cond.reason, cond.message], ['False', 'Unschedulable', message]);
    assert.equal((await client.get<Pod>('pods', 'default', big)).spec.nodeName ?? '', '');

    const events = await eventually('the events', async () => {
      const list = await client.list<Event>('events', { namespace: 'default' });
      const mine = list.items.filter((e) => e.involvedObject.name === big || names.includes(e.involvedObject.name ?? ''));
      return mine.filter((e) => e.reason === 'Scheduled').length === 3 && mine.some((e) => e.reason === 'FailedScheduling') ? mine : undefined;
    });
    const failed = events.find((e) => e.reason === 'FailedScheduling');
    assert.deepEqual([failed?.type, failed?.message, failed?.involvedObject.name], ['Warning', message, big]);
    const scheduled = events.find((e) => e.reason === 'Scheduled' && e.involvedObject.name === names[0]);
    assert.equal(scheduled?.message, `Successfully assigned default/${names[0]} to ${placed[0]}`);
    assert.equal(scheduled?.source?.component, 'default-scheduler');

    // A node that has the room arrives: the parked pod is retried and bound there.
    await client.create('nodes', node(nodeName('3'), '8Gi'));
    const bigNode = await eventually('the big pod bound', async () => (await client.get<Pod>('pods', 'default', big)).spec.nodeName || undefined);
    assert.equal(bigNode, nodeName('3'));
  });

  it('holds the kube-system/kube-scheduler Lease and serves its metrics', async () => {
    const lease = await client.get<Lease>('leases', 'kube-system', 'kube-scheduler');
    assert.equal(lease.spec.holderIdentity, `test-${suffix}`);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    assert.match(metrics, /scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} 4/);
    assert.match(metrics, /scheduler_schedule_attempts_total\{result="unschedulable",profile="default-scheduler"\} [1-9]/);
    assert.match(metrics, /scheduler_pending_pods\{queue="unschedulable"\} 0/);
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status, 200);
  });
});
