// ClusterIP and NodePort allocation against a real etcd: two apiservers creating at once never hand
// out one value twice, and what was allocated stays allocated across an apiserver restart.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { startApiserver, type RunningApiserver } from '../../run.js';
import { EtcdStorage } from '../../storage/etcd-storage.js';
import { startTestEtcd, type TestEtcd } from '../../storage/test-etcd.js';
import { rejectsWith } from '../test-fixtures.js';

const RANGE = '10.200.0.0/28'; // 14 addresses
const NODE_PORTS = '30100-30119';

let etcd: TestEtcd;
let admin: EtcdStorage;

const nodePortService = (name: string, extra: Partial<Service['spec']> = {}): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { type: 'NodePort', selector: { app: name }, ports: [{ port: 80 }], ...extra },
});

async function apiserver(): Promise<{ server: RunningApiserver; client: ApiClient; stop(): Promise<void> }> {
  const server = await startApiserver(
    { etcdServers: [etcd.endpoint], bindAddress: '127.0.0.1', port: 0, httpPort: 0, serviceClusterIPRange: RANGE, serviceNodePortRange: NODE_PORTS },
    { log: silentLogger() },
  );
  const client = new ApiClient({ server: server.address, timeoutMs: 10_000 });
  return {
    server,
    client,
    stop: async () => {
      client.close();
      await server.stop();
    },
  };
}

before(async () => {
  etcd = await startTestEtcd();
  admin = new EtcdStorage({ endpoints: [etcd.endpoint] });
});

after(async () => {
  await admin?.close();
  await etcd?.stop();
});

test('two apiservers creating at once share the range without collisions; allocations survive a restart', async () => {
  const a = await apiserver();
  const b = await apiserver();
  let c: Awaited<ReturnType<typeof apiserver>> | undefined;
  try {
    const creates = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).client.create('services', nodePortService(`s${i}`)));
    const results = await Promise.allSettled(creates);
    const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    assert.equal(created.length, 14, 'every address of the /28');
    assert.equal(new Set(created.map((s) => s.spec.clusterIP)).size, 14, 'no address twice');
    assert.equal(new Set(created.map((s) => s.spec.ports?.[0]?.nodePort)).size, 14, 'no NodePort twice');
    for (const r of results) if (r.status === 'rejected') assert.match(String((r.reason as Error).message), /failed to allocate a serviceIP: range is full/);
    assert.equal((await admin.list('/registry/servicenodeportallocations/')).items.length, 14, 'the failed creates gave their NodePorts back');
    await a.stop();
    await b.stop();

    // A new apiserver over the same etcd knows what is taken.
    c = await apiserver();
    const first = created[0]!;
    const ip = first.spec.clusterIP ?? '';
    const port = first.spec.ports?.[0]?.nodePort ?? 0;
    await rejectsWith(
      c.client.create('services', nodePortService('late', { clusterIP: ip })),
      'Invalid',
      `Service "late" is invalid: spec.clusterIPs[0]: Invalid value: "${ip}": failed to allocate IP ${ip}: provided IP is already allocated`,
    );
    await c.client.delete('services', 'default', created[1]!.metadata.name ?? '');
    await rejectsWith(
      c.client.create('services', nodePortService('late', { ports: [{ port: 80, nodePort: port }] })),
      'Invalid',
      `Service "late" is invalid: spec.ports[0].nodePort: Invalid value: ${port}: provided port is already allocated`,
    );

    // Deleting gives the values back for good: the freed address is the one a new Service gets.
    await c.client.delete('services', 'default', first.metadata.name ?? '');
    const again = await c.client.create('services', nodePortService('again', { clusterIP: ip, ports: [{ port: 80, nodePort: port }] }));
    assert.equal(again.spec.clusterIP, ip);
    const last = await c.client.create('services', nodePortService('last'));
    assert.equal(last.spec.clusterIP, created[1]!.spec.clusterIP);
  } finally {
    await a.stop().catch(() => undefined);
    await b.stop().catch(() => undefined);
    await c?.stop();
  }
});
