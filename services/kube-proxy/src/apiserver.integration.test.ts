// kube-proxy in-process against a real apiserver on a real etcd (iptables and host faked): Services
// get their ClusterIP and NodePort from the apiserver's allocators, the informers' label selectors
// (service-proxy-name, headless) work against it, and rules follow creates, readiness and deletes.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { EndpointSlice, Node, Service } from '@skiff/api';
import { startApiserver, type RunningApiserver } from '@skiff/apiserver/run';
import { startTestEtcd, type TestEtcd } from '@skiff/apiserver/storage/test-etcd';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { defaultConfig } from './config.js';
import { FakeConntrack } from './host/conntrack.js';
import { FakeSysctl } from './host/sysctl.js';
import { FakeIptables } from './iptables/fake-iptables.js';
import { run } from './run.js';
import { until } from './testing/http.js';
import { endpointSlice } from './testing/objects.js';
import { FakeAddressProgrammer } from './userspace/address-programmer.js';

const suffix = randomBytes(3).toString('hex');
const ns = 'default';

describe('kube-proxy against a real apiserver and etcd', () => {
  let etcd: TestEtcd;
  let server: RunningApiserver;
  let client: ApiClient;
  const stop = new AbortController();
  let proxy: Promise<void>;
  const ipt = new FakeIptables();
  const nat = (): string[] => [...ipt.tables.nat.entries()].flatMap(([c, rs]) => rs.map((r) => `${c} ${r.join(' ')}`));
  const filter = (): string[] => [...ipt.tables.filter.entries()].flatMap(([c, rs]) => rs.map((r) => `${c} ${r.join(' ')}`));

  before(async () => {
    etcd = await startTestEtcd();
    server = await startApiserver({ etcdServers: [etcd.endpoint], bindAddress: '127.0.0.1', port: 0, httpPort: 0 }, { log: silentLogger() });
    client = new ApiClient({ server: server.address });
    const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: `kp-${suffix}` }, spec: {}, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.2' }] } };
    await client.create('nodes', node);
    proxy = run(stop.signal, { ...defaultConfig(), apiserver: server.address, httpPort: 0, minSyncPeriodMs: 50 }, {
      log: silentLogger(),
      iptables: ipt,
      conntrack: new FakeConntrack(),
      sysctl: new FakeSysctl(),
      addresses: new FakeAddressProgrammer(),
    });
  });

  after(async () => {
    stop.abort();
    await proxy;
    client?.close();
    await server?.stop();
    await etcd?.stop();
  });

  it('programs an allocated ClusterIP and NodePort, skips Services meant for another proxy, and follows deletes', async () => {
    const web = await client.create<Service>('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `web-${suffix}`, namespace: ns },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const clusterIP = web.spec.clusterIP ?? '';
    const nodePort = web.spec.ports?.[0]?.nodePort ?? 0;
    assert.ok(clusterIP && nodePort > 0, 'the apiserver allocated both');
    const other = await client.create<Service>('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `other-${suffix}`, namespace: ns, labels: { 'service.kubernetes.io/service-proxy-name': 'someone-else' } },
      spec: { selector: { app: 'web' }, ports: [{ port: 81, targetPort: 8080 }] },
    });
    await client.create<EndpointSlice>('endpointslices', endpointSlice(`web-${suffix}-abc`, `web-${suffix}`, [{ ip: '10.244.1.5' }, { ip: '10.244.1.6', ready: false }], [{ name: 'http', port: 8080 }], ns));
    await client.create<EndpointSlice>('endpointslices', endpointSlice(`other-${suffix}-abc`, `other-${suffix}`, [{ ip: '10.244.1.7' }], [{ port: 8080 }], ns));

    await until('the Service programmed', async () => nat().some((r) => r.includes(`-d ${clusterIP} --dport 80`)) && nat().some((r) => r.endsWith('--to-destination 10.244.1.5:8080')));
    assert.ok(nat().some((r) => r.startsWith('SKIFF-NODEPORTS') && r.includes(`--dport ${nodePort}`)));
    assert.ok(nat().some((r) => r.startsWith('SKIFF-SERVICES') && r.includes('-d 127.0.0.2 -j SKIFF-NODEPORTS')), 'the local Node address serves NodePorts');
    assert.equal(nat().some((r) => r.includes('10.244.1.6')), false, 'not ready');
    assert.equal(nat().some((r) => r.includes(other.spec.clusterIP ?? 'none') || r.includes('10.244.1.7')), false, 'service-proxy-name: not ours');

    await client.delete('services', ns, `web-${suffix}`);
    await until('the Service gone', async () => !nat().some((r) => r.includes(clusterIP)) && !filter().some((r) => r.includes(clusterIP)));
    assert.equal(ipt.chains('nat').some((c) => c.startsWith('SKIFF-SVC-') || c.startsWith('SKIFF-SEP-')), false, 'its chains are deleted');
  });
});
