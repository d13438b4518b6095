// The DNS server in-process against a real apiserver on a real etcd: it registers kube-dns (the
// apiserver allocates its requested ClusterIP), resolves a Service created after it started to
// the ClusterIP the apiserver allocated, a headless Service to its ready endpoints, and forgets a
// deleted Service.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, clusterDnsIp, type Endpoints, type Service } from '@skiff/api';
import { startApiserver, type RunningApiserver } from '@skiff/apiserver/run';
import { startTestEtcd, type TestEtcd } from '@skiff/apiserver/storage/test-etcd';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import dnsPacket from 'dns-packet';
import { Registry } from 'prom-client';
import { run } from './run.js';
import { TcpSession, udpExchange } from './testing/dns-client.js';
import { eventually } from './testing/eventually.js';
import { endpoint, query, service, slice } from './testing/fixtures.js';
import { RCODE, rcodeOf } from './wire.js';

const suffix = randomBytes(3).toString('hex');

/** A documentation address (TEST-NET-1): only recorded in Endpoints kube-dns (which refuse loopback); queries go to 127.0.0.1. */
const ADVERTISE = '192.0.2.53';

describe('cluster DNS against a real apiserver and etcd', () => {
  let etcd: TestEtcd;
  let apiserver: RunningApiserver;
  let client: ApiClient;
  const stop = new AbortController();
  let dns: Promise<void> | undefined;
  let dnsPort = 0;

  const ask = async (name: string, type: 'A' | 'SRV' = 'A'): Promise<dnsPacket.DecodedPacket> =>
    dnsPacket.decode(await udpExchange('127.0.0.1', dnsPort, dnsPacket.encode(query(name, type))));

  before(async () => {
    etcd = await startTestEtcd();
    apiserver = await startApiserver({ etcdServers: [etcd.endpoint], bindAddress: '127.0.0.1', port: 0, httpPort: 0 }, { log: silentLogger() });
    client = new ApiClient({ server: apiserver.address });
    let listening: (port: number) => void = () => undefined;
    const started = new Promise<number>((r) => (listening = r));
    dns = run(
      stop.signal,
      { apiserver: apiserver.address, bindAddress: '127.0.0.1', port: 0, httpPort: 0, advertiseAddress: ADVERTISE, clusterDomain: 'cluster.local', serviceClusterIpRange: DEFAULT_SERVICE_CLUSTER_IP_RANGE },
      { log: silentLogger(), registry: new Registry(), onListening: (p) => listening(p.dns) },
    );
    dnsPort = await started;
  });

  after(async () => {
    stop.abort();
    await dns;
    client?.close();
    await apiserver?.stop();
    await etcd?.stop();
  });

  it('creates Service kube-system/kube-dns at the cluster DNS address and Endpoints naming its port', async () => {
    const svc = await eventually('kube-dns Service', () => client.get<Service>('services', 'kube-system', 'kube-dns'));
    assert.equal(svc.spec.clusterIP, clusterDnsIp(DEFAULT_SERVICE_CLUSTER_IP_RANGE));
    assert.equal(svc.metadata.labels?.['k8s-app'], 'kube-dns');
    assert.deepEqual(
      svc.spec.ports?.map((p) => [p.name, p.protocol, p.port, p.targetPort]),
      [
        ['dns', 'UDP', 53, dnsPort],
        ['dns-tcp', 'TCP', 53, dnsPort],
      ],
    );
    const ep = await eventually('kube-dns Endpoints', () => client.get<Endpoints>('endpoints', 'kube-system', 'kube-dns'));
    assert.deepEqual(ep.subsets?.[0]?.addresses?.map((a) => a.ip), [ADVERTISE]);
    assert.deepEqual(ep.subsets?.[0]?.ports?.map((p) => [p.name, p.protocol, p.port]), [
      ['dns', 'UDP', dnsPort],
      ['dns-tcp', 'TCP', dnsPort],
    ]);
    // kube-dns resolves like any other Service.
    const self = await eventually('kube-dns resolves', async () => {
      const r = await ask('kube-dns.kube-system.svc.cluster.local');
      return rcodeOf(r) === RCODE.NOERROR ? r : undefined;
    });
    assert.deepEqual(self.answers?.map((a) => ('data' in a ? a.data : undefined)), [svc.spec.clusterIP]);
  });

  it('resolves a Service created after it started to the ClusterIP the apiserver allocated, over UDP and TCP', async () => {
    const name = `web-${suffix}`;
    const created = await client.create<Service>('services', service('default', name, { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    const clusterIP = created.spec.clusterIP;
    assert.ok(clusterIP && clusterIP !== 'None', 'the apiserver allocated a ClusterIP');
    const r = await eventually(`${name} resolves`, async () => {
      const reply = await ask(`${name}.default.svc.cluster.local`);
      return rcodeOf(reply) === RCODE.NOERROR ? reply : undefined;
    });
    assert.deepEqual(r.answers?.map((a) => ('data' in a ? a.data : undefined)), [clusterIP]);

    const tcp = await TcpSession.connect('127.0.0.1', dnsPort);
    try {
      tcp.send(dnsPacket.encode(query(`_http._tcp.${name}.default.svc.cluster.local`, 'SRV')));
      const srv = dnsPacket.decode(await tcp.next());
      assert.deepEqual(srv.answers?.map((a) => ('data' in a ? a.data : undefined)), [{ priority: 0, weight: 100, port: 80, target: `${name}.default.svc.cluster.local` }]);
    } finally {
      tcp.close();
    }

    await client.delete('services', 'default', name);
    await eventually(`${name} is gone`, async () => (rcodeOf(await ask(`${name}.default.svc.cluster.local`)) === RCODE.NXDOMAIN ? true : undefined));
  });

  it('resolves a headless Service to its ready EndpointSlice endpoints', async () => {
    const name = `pets-${suffix}`;
    await client.create('services', service('default', name, { clusterIP: 'None', selector: { app: name }, ports: [{ name: 'http', port: 8080 }] }));
    await client.create(
      'endpointslices',
      slice('default', name, `${name}-manual`, [endpoint('10.244.7.1', { hostname: 'pet-0' }), endpoint('10.244.7.2', { ready: false })], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
    );
    const r = await eventually(`${name} resolves`, async () => {
      const reply = await ask(`${name}.default.svc.cluster.local`);
      return rcodeOf(reply) === RCODE.NOERROR ? reply : undefined;
    });
    assert.deepEqual(r.answers?.map((a) => ('data' in a ? a.data : undefined)), ['10.244.7.1']);
    assert.deepEqual((await ask(`pet-0.${name}.default.svc.cluster.local`)).answers?.map((a) => ('data' in a ? a.data : undefined)), ['10.244.7.1']);
  });

  it('REFUSES names outside the cluster domain', async () => {
    assert.equal(rcodeOf(await ask('example.com')), RCODE.REFUSED);
  });
});
