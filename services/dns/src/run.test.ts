// run() in-process against FakeApi, over real sockets on 127.0.0.1: it registers kube-dns, answers
// for Services and slices created after it started, serves /readyz and /metrics, and withdraws its
// endpoints when stopped.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Endpoints, Service } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeEventRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import dnsPacket from 'dns-packet';
import { Registry } from 'prom-client';
import { run } from './run.js';
import { udpExchange } from './testing/dns-client.js';
import { eventually } from './testing/eventually.js';
import { endpoint, query, service, slice } from './testing/fixtures.js';
import { RCODE, rcodeOf } from './wire.js';

/** A documentation address (TEST-NET-1): only recorded in Endpoints kube-dns (which refuse loopback); queries go to 127.0.0.1. */
const ADVERTISE = '192.0.2.53';

describe('run (FakeApi)', () => {
  const api = new FakeApi();
  const stop = new AbortController();
  let done: Promise<void>;
  let ports: { dns: number; http: number };

  const resolve = async (name: string, type: 'A' | 'SRV' = 'A'): Promise<dnsPacket.DecodedPacket> =>
    dnsPacket.decode(await udpExchange('127.0.0.1', ports.dns, dnsPacket.encode(query(name, type))));

  before(async () => {
    let listening: (p: { dns: number; http: number }) => void = () => undefined;
    const started = new Promise<{ dns: number; http: number }>((r) => (listening = r));
    done = run(
      stop.signal,
      { apiserver: 'unused', bindAddress: '127.0.0.1', port: 0, httpPort: 0, advertiseAddress: ADVERTISE, clusterDomain: 'cluster.local', serviceClusterIpRange: '10.100.0.0/16' },
      { client: api, log: silentLogger(), registry: new Registry(), recorder: new FakeEventRecorder(), onListening: listening },
    );
    ports = await started;
  });

  after(async () => {
    stop.abort();
    await done;
  });

  it('creates kube-system/kube-dns at the range’s 10th address, targeting its port, and Endpoints at its advertise address', async () => {
    const svc = await eventually('kube-dns Service', () => api.get<Service>('services', 'kube-system', 'kube-dns'));
    assert.equal(svc.spec.clusterIP, '10.100.0.10');
    assert.deepEqual(
      svc.spec.ports?.map((p) => [p.name, p.protocol, p.port, p.targetPort]),
      [
        ['dns', 'UDP', 53, ports.dns],
        ['dns-tcp', 'TCP', 53, ports.dns],
      ],
    );
    const ep = await eventually('kube-dns Endpoints', () => api.get<Endpoints>('endpoints', 'kube-system', 'kube-dns'));
    assert.deepEqual(ep.subsets?.[0]?.addresses, [{ ip: ADVERTISE }]);
    assert.deepEqual(ep.subsets?.[0]?.ports?.map((p) => p.port), [ports.dns, ports.dns]);
  });

  it('repairs the kube-dns Service when someone changes it', async () => {
    const svc = await eventually('kube-dns Service', () => api.get<Service>('services', 'kube-system', 'kube-dns'));
    svc.spec.ports = [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 }];
    svc.spec.selector = { app: 'other' };
    await api.update('services', svc);
    await eventually('repaired ports', async () => {
      const cur = await api.get<Service>('services', 'kube-system', 'kube-dns');
      return cur.spec.ports?.length === 2 && cur.spec.selector === undefined ? cur : undefined;
    });
  });

  it('answers for a Service and a headless Service created after it started', async () => {
    await api.create('services', service('default', 'late', { clusterIP: '10.100.3.4', ports: [{ name: 'http', port: 80 }] }));
    const a = await eventually('late resolves', async () => {
      const r = await resolve('late.default.svc.cluster.local');
      return rcodeOf(r) === RCODE.NOERROR ? r : undefined;
    });
    assert.deepEqual(a.answers?.map((x) => ('data' in x ? x.data : undefined)), ['10.100.3.4']);

    await api.create('services', service('default', 'pets', { clusterIP: 'None' }));
    await api.create('endpointslices', slice('default', 'pets', 'pets-1', [endpoint('10.244.5.5', { hostname: 'pet-0' })], [{ name: 'http', port: 8080, protocol: 'TCP' }]));
    const srv = await eventually('pets SRV', async () => {
      const r = await resolve('_http._tcp.pets.default.svc.cluster.local', 'SRV');
      return r.answers?.length ? r : undefined;
    });
    assert.deepEqual(srv.answers?.map((x) => ('data' in x ? x.data : undefined)), [{ priority: 0, weight: 100, port: 8080, target: 'pet-0.pets.default.svc.cluster.local' }]);
  });

  it('is ready once synced and serves CoreDNS metrics', async () => {
    const ready = await fetch(`http://127.0.0.1:${ports.http}/readyz`);
    assert.equal(ready.status, 200);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.http}/metrics`)).text();
    assert.match(metrics, new RegExp(`coredns_dns_requests_total\\{server="dns://127\\.0\\.0\\.1:${ports.dns}"`));
  });

  it('withdraws its address from Endpoints kube-dns when stopped', async () => {
    stop.abort();
    await done;
    const ep = await api.get<Endpoints>('endpoints', 'kube-system', 'kube-dns');
    assert.equal(ep.subsets?.[0]?.addresses, undefined);
    assert.deepEqual(ep.subsets?.[0]?.notReadyAddresses, [{ ip: ADVERTISE }]);
  });
});
