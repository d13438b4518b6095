// The ingress controller in-process against a real apiserver on a real etcd: it creates its
// IngressClass, serves an Ingress without a class (its class is the default), writes the publish
// address into status.loadBalancer, proxies to the endpoint of a selector-less Service's manual
// EndpointSlice, answers 503 for a missing Service, and leaves other classes' Ingresses alone.
// The apiserver refuses loopback endpoint addresses (as Kubernetes does), so the stand-in endpoint
// listens on this host's first non-internal IPv4 address: the traffic still stays on this machine.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ANNOTATION_DEFAULT_INGRESS_CLASS, type Ingress, type IngressClass } from '@skiff/api';
import { startApiserver, type RunningApiserver } from '@skiff/apiserver/run';
import { startTestEtcd, type TestEtcd } from '@skiff/apiserver/storage/test-etcd';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { CONTROLLER_NAME } from './ingress-class.js';
import { firstExternalIPv4 } from './publish-address.js';
import { run, type ListeningInfo } from './run.js';
import { endpointSlice, eventually, ingress, ingressPath, request, rule, service, startBackend, type Backend } from './testing/objects.js';

const suffix = randomBytes(3).toString('hex');
const ns = 'default';
const hostIP = firstExternalIPv4();

describe('ingress controller against a real apiserver and etcd', () => {
  let etcd: TestEtcd;
  let server: RunningApiserver;
  let client: ApiClient;
  let backend: Backend | undefined;
  const stop = new AbortController();
  let controller: Promise<void> | undefined;
  let info: ListeningInfo;

  before(async () => {
    etcd = await startTestEtcd();
    server = await startApiserver({ etcdServers: [etcd.endpoint], bindAddress: '127.0.0.1', port: 0, httpPort: 0 }, { log: silentLogger() });
    client = new ApiClient({ server: server.address });
    if (hostIP) backend = await startBackend('web', hostIP);
    info = await new Promise<ListeningInfo>((resolve) => {
      controller = run(
        stop.signal,
        { apiserver: server.address, bindAddresses: ['127.0.0.1'], port: 0, ingressClass: 'skiff', defaultClass: true, bindAddress: '127.0.0.1', httpPort: 0, drainTimeoutMs: 1000 },
        { log: silentLogger(), onListening: resolve },
      );
    });
  });

  after(async () => {
    stop.abort();
    await controller;
    await backend?.close();
    client?.close();
    await server?.stop();
    await etcd?.stop();
  });

  const port = (): number => info.proxy[0]?.port ?? 0;

  it('creates the default IngressClass', async () => {
    const cls = await eventually(() => client.get<IngressClass>('ingressclasses', '', 'skiff'));
    assert.equal(cls.spec.controller, CONTROLLER_NAME);
    assert.equal(cls.metadata.annotations?.[ANNOTATION_DEFAULT_INGRESS_CLASS], 'true');
  });

  it('publishes its address in the status of an Ingress without a class, and not of another class', async () => {
    assert.equal(info.publishAddress, '127.0.0.1');
    await client.create('ingressclasses', { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: `other-${suffix}` }, spec: { controller: 'example.com/other' } });
    await client.create('ingresses', ingress(`foreign-${suffix}`, { ingressClassName: `other-${suffix}`, rules: [rule('foreign.example', ingressPath('/', 'Prefix', 'nothing', 80))] }));
    await client.create('ingresses', ingress(`web-${suffix}`, { rules: [rule(undefined, ingressPath('/api', 'Prefix', `web-${suffix}`, 80), ingressPath('/gone', 'Prefix', `missing-${suffix}`, 80))] }));
    const served = await eventually(async () => {
      const ing = await client.get<Ingress>('ingresses', ns, `web-${suffix}`);
      return ing.status?.loadBalancer?.ingress?.length ? ing : false;
    }, 15_000);
    assert.deepEqual(served.status?.loadBalancer?.ingress, [{ ip: '127.0.0.1' }]);
    const foreign = await client.get<Ingress>('ingresses', ns, `foreign-${suffix}`);
    assert.deepEqual(foreign.status?.loadBalancer?.ingress ?? [], []);
  });

  it('answers 503 for a missing Service and 404 for an unmatched path', async () => {
    await eventually(async () => (await request(port(), '/gone')).status === 503, 15_000);
    assert.equal((await request(port(), '/nothing-here')).status, 404);
  });

  it('proxies to the endpoint of a selector-less Service with a manual EndpointSlice', { skip: hostIP ? false : 'this host has no non-internal IPv4 address' }, async () => {
    assert.ok(backend && hostIP);
    await client.create('services', service(`web-${suffix}`, [{ name: 'http', port: 80 }]));
    await client.create('endpointslices', endpointSlice(`web-${suffix}`, 'http', backend.port, [hostIP], ns, `web-${suffix}-manual`));
    const reply = await eventually(async () => {
      const r = await request(port(), '/api/v1?x=1', { host: 'shop.example' });
      return r.status === 200 ? r : false;
    }, 15_000);
    assert.equal(reply.body, 'web GET /api/v1?x=1');
    assert.equal(backend.seen.at(-1)?.headers['x-forwarded-host'], 'shop.example');
  });
});
