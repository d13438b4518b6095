// pods/eviction over gRPC against a real etcd: the 429 refusal crosses the wire with its reason and
// cause, an allowed eviction takes one disruption from the budget (stored) and deletes the pod.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type Eviction, type Pod, type PodDisruptionBudget } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { startApiserver, type RunningApiserver } from '../run.js';
import { startTestEtcd, type TestEtcd } from '../storage/test-etcd.js';

let etcd: TestEtcd;
let server: RunningApiserver;
let client: ApiClient;

const evict = (name: string): Promise<unknown> =>
  client.create<Eviction>('pods', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } }, { subresource: 'eviction' });

async function runningPod(name: string): Promise<void> {
  await client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'x:1' }] } });
  await client.bind('default', name, 'n1');
  const p = await client.get<Pod>('pods', 'default', name);
  await client.updateStatus('pods', { ...p, status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
}

before(async () => {
  etcd = await startTestEtcd();
  server = await startApiserver({ etcdServers: [etcd.endpoint], bindAddress: '127.0.0.1', port: 0, httpPort: 0 }, { log: silentLogger() });
  client = new ApiClient({ server: server.address, timeoutMs: 10_000 });
});

after(async () => {
  client?.close();
  await server?.stop();
  await etcd?.stop();
});

test('an eviction the budget forbids is a 429 TooManyRequests; one it allows deletes the pod and takes a disruption', async () => {
  for (const name of ['db-0', 'db-1', 'db-2']) await runningPod(name);
  const created = await client.create<PodDisruptionBudget>('poddisruptionbudgets', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'db-pdb', namespace: 'default' },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'db' } } },
  });
  const refusedUnprocessed = await evict('db-0').then(
    () => assert.fail('evicted before the disruption controller saw the budget'),
    (e: unknown) => e as ApiError,
  );
  assert.equal(refusedUnprocessed.reason, 'TooManyRequests');
  assert.equal(refusedUnprocessed.code, 429);

  // What the disruption controller would write: 3 healthy, 2 wanted, 1 disruption allowed.
  await client.updateStatus('poddisruptionbudgets', { ...created, status: { observedGeneration: 1, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3 } });
  assert.deepEqual(await evict('db-0'), { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 });
  assert.ok((await client.get<Pod>('pods', 'default', 'db-0')).metadata.deletionTimestamp, 'the pod is being deleted gracefully');
  const pdb = await client.get<PodDisruptionBudget>('poddisruptionbudgets', 'default', 'db-pdb');
  assert.equal(pdb.status?.disruptionsAllowed, 0);
  assert.ok(pdb.status?.disruptedPods?.['db-0']);

  const refused = await evict('db-1').then(
    () => assert.fail('evicted past the budget'),
    (e: unknown) => e as ApiError,
  );
  assert.ok(refused instanceof ApiError);
  assert.deepEqual([refused.reason, refused.code, refused.message], ['TooManyRequests', 429, "Cannot evict pod as it would violate the pod's disruption budget."]);
  assert.equal(refused.details.causes?.[0]?.message, 'The disruption budget db-pdb needs 2 healthy pods and has 3 currently');
  assert.equal((await client.get<Pod>('pods', 'default', 'db-1')).metadata.deletionTimestamp, undefined);
});
