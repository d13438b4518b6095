// The controller in-process against FakeApi, with stand-in endpoints on 127.0.0.1: routing,
// 404/503, round robin, retries, bodies, upgrades, status and events, metrics.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ANNOTATION_DEFAULT_INGRESS_CLASS, type Ingress, type IngressClass } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { newRegistry, silentLogger } from '@skiff/component';
import { FakeEventRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { ANNOTATION_INGRESS_CLASS } from './ingress-class.js';
import { run, type ListeningInfo } from './run.js';
import { TLS_NOT_SUPPORTED } from './status-syncer.js';
import { deadPort, endpointSlice, eventually, ingress, ingressPath, request, rule, service, startBackend, type Backend } from './testing/objects.js';

const PUBLISH = '127.0.0.9';

describe('ingress controller (FakeApi, local endpoints)', () => {
  const api = new FakeApi();
  const recorder = new FakeEventRecorder();
  const registry = newRegistry();
  const stop = new AbortController();
  let a: Backend;
  let b: Backend;
  let port: number;
  let httpPort: number;
  let running: Promise<void>;

  before(async () => {
    [a, b] = await Promise.all([startBackend('A'), startBackend('B')]);
    await api.create('services', service('svc-a', [{ name: 'http', port: 80 }]));
    await api.create('endpointslices', endpointSlice('svc-a', 'http', a.port, ['127.0.0.1']));
    await api.create('services', service('svc-b', [{ name: 'web', port: 8080 }]));
    await api.create('endpointslices', endpointSlice('svc-b', 'web', b.port, ['127.0.0.1']));
    await api.create('ingresses', ingress('demo', { rules: [rule(undefined, ingressPath('/api', 'Prefix', 'svc-a', 80), ingressPath('/web', 'Prefix', 'svc-b', 'web'))] }));
    const listening = new Promise<ListeningInfo>((resolve) => {
      running = run(
        stop.signal,
        { apiserver: 'unused', bindAddresses: ['127.0.0.1'], port: 0, publishAddress: PUBLISH, ingressClass: 'skiff', defaultClass: true, bindAddress: '127.0.0.1', httpPort: 0, drainTimeoutMs: 1000 },
        { client: api, log: silentLogger(), registry, recorder, onListening: resolve },
      );
    });
    const info = await listening;
    port = info.proxy[0]?.port ?? 0;
    httpPort = info.httpPort;
    await eventually(async () => (await request(port, '/api')).status === 200);
  });

  after(async () => {
    stop.abort();
    await running;
    await Promise.all([a.close(), b.close()]);
  });

  it('creates the default IngressClass skiff', async () => {
    const cls = await api.get<IngressClass>('ingressclasses', '', 'skiff');
    assert.equal(cls.spec.controller, 'skiff.io/ingress-controller');
    assert.equal(cls.metadata.annotations?.[ANNOTATION_DEFAULT_INGRESS_CLASS], 'true');
  });

  it('routes /api to Service A and /web to Service B, path and query unchanged', async () => {
    assert.equal((await request(port, '/api/users?id=7')).body, 'A GET /api/users?id=7');
    assert.equal((await request(port, '/web')).body, 'B GET /web');
    assert.equal((await request(port, '/web/index.html', { host: 'anything.example:8080' })).body, 'B GET /web/index.html');
  });

  it('404 when nothing matches', async () => {
    const r = await request(port, '/other');
    assert.equal(r.status, 404);
    assert.equal((await request(port, '/apix')).status, 404);
  });

  it('400 for a path that climbs above the root', async () => {
    assert.equal((await request(port, '/..')).status, 400);
  });

  it('forwards X-Forwarded-* and keeps the Host header', async () => {
    await request(port, '/api/h', { host: 'shop.example:8080', headers: { 'x-forwarded-for': '203.0.113.1' } });
    const seen = a.seen.find((s) => s.url === '/api/h');
    assert.equal(seen?.headers.host, 'shop.example:8080');
    assert.equal(seen?.headers['x-forwarded-host'], 'shop.example:8080');
    assert.equal(seen?.headers['x-forwarded-for'], '203.0.113.1, 127.0.0.1');
    assert.equal(seen?.headers['x-forwarded-proto'], 'http');
    assert.equal(seen?.headers['x-forwarded-port'], String(port));
  });

  it('streams a request body to the endpoint and the response back', async () => {
    const body = 'x'.repeat(200_000);
    const r = await request(port, '/api/upload', { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 200);
    assert.equal(r.body, `A POST /api/upload\n${body}`);
  });

  it('keeps the client connection alive across requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on('free', (s) => sockets.add(s));
    try {
      for (let i = 0; i < 3; i++) assert.equal((await request(port, '/api/k', { agent })).status, 200);
      assert.equal(sockets.size, 1);
    } finally {
      agent.destroy();
    }
  });

  it('503 for an Ingress pointing at a missing Service, then 200 once it and its endpoints exist', async () => {
    await api.create('ingresses', ingress('missing', { rules: [rule('missing.example', ingressPath('/', 'Prefix', 'svc-late', 80))] }));
    await eventually(async () => (await request(port, '/', { host: 'missing.example' })).status === 503);
    await api.create('services', service('svc-late', [{ port: 80 }]));
    assert.equal((await request(port, '/', { host: 'missing.example' })).status, 503, 'a Service without endpoints is 503 too');
    await api.create('endpointslices', endpointSlice('svc-late', undefined, a.port, ['127.0.0.1']));
    await eventually(async () => (await request(port, '/x', { host: 'missing.example' })).body === 'A GET /x');
  });

  it('503 when the only endpoint is not ready; a port name the Service lacks is 503', async () => {
    await api.create('services', service('svc-nr', [{ name: 'http', port: 80 }]));
    await api.create('endpointslices', endpointSlice('svc-nr', 'http', a.port, [{ ip: '127.0.0.1', ready: false }]));
    await api.create('ingresses', ingress('notready', { rules: [rule('nr.example', ingressPath('/', 'Prefix', 'svc-nr', 80), ingressPath('/badport', 'Prefix', 'svc-a', 'nope'))] }));
    await eventually(async () => (await request(port, '/', { host: 'nr.example' })).status === 503);
    assert.equal((await request(port, '/badport', { host: 'nr.example' })).status, 503);
  });

  it('round-robins over the ready endpoints', async () => {
    await api.create('services', service('svc-rr', [{ name: 'http', port: 80 }]));
    await api.create('endpointslices', endpointSlice('svc-rr', 'http', a.port, ['127.0.0.1'], 'default', 'svc-rr-1'));
    // The second endpoint is B's port: a second slice (each slice has its own port).
    await api.create('endpointslices', endpointSlice('svc-rr', 'http', b.port, ['127.0.0.1'], 'default', 'svc-rr-2'));
    await api.create('ingresses', ingress('rr', { rules: [rule('rr.example', ingressPath('/', 'Prefix', 'svc-rr', 80))] }));
    await eventually(async () => (await request(port, '/', { host: 'rr.example' })).status === 200);
    const names: string[] = [];
    for (let i = 0; i < 6; i++) names.push((await request(port, '/', { host: 'rr.example' })).headers['x-backend'] as string);
    assert.deepEqual(new Set(names), new Set(['A', 'B']));
    assert.ok(names.every((n, i) => i === 0 || n !== names[i - 1]), `alternates: ${names.join(',')}`);
  });

  it('retries another endpoint when one refuses connections (GET and POST with a body)', async () => {
    const dead = await deadPort();
    await api.create('services', service('svc-retry', [{ name: 'http', port: 80 }]));
    await api.create('endpointslices', endpointSlice('svc-retry', 'http', dead, ['127.0.0.1'], 'default', 'svc-retry-dead'));
    await api.create('endpointslices', endpointSlice('svc-retry', 'http', a.port, ['127.0.0.1'], 'default', 'svc-retry-live'));
    await api.create('ingresses', ingress('retry', { rules: [rule('retry.example', ingressPath('/', 'Prefix', 'svc-retry', 80))] }));
    await eventually(async () => (await request(port, '/', { host: 'retry.example' })).status === 200);
    for (let i = 0; i < 4; i++) {
      assert.equal((await request(port, '/r', { host: 'retry.example' })).status, 200);
      const post = await request(port, '/p', { host: 'retry.example', method: 'POST', body: 'payload' });
      assert.equal(post.body, 'A POST /p\npayload');
    }
  });

  it('502 when every endpoint refuses', async () => {
    const dead = await deadPort();
    await api.create('services', service('svc-dead', [{ name: 'http', port: 80 }]));
    await api.create('endpointslices', endpointSlice('svc-dead', 'http', dead, ['127.0.0.1']));
    await api.create('ingresses', ingress('dead', { rules: [rule('dead.example', ingressPath('/', 'Prefix', 'svc-dead', 80))] }));
    await eventually(async () => (await request(port, '/', { host: 'dead.example' })).status === 502);
  });

  it('proxies an upgrade (WebSocket handshake) and joins the two connections', async () => {
    const socket = net.connect(port, '127.0.0.1');
    try {
      socket.write('GET /api/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
      let got = '';
      socket.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.includes('\r\n\r\n') && !got.includes('hello')) socket.write('hello');
      });
      await eventually(async () => got.includes('A:hello'));
      assert.match(got, /^HTTP\/1\.1 101 /);
    } finally {
      socket.destroy();
    }
  });

  it('writes the publish address into the status of served Ingresses', async () => {
    await eventually(async () => {
      const ing = await api.get<Ingress>('ingresses', 'default', 'demo');
      assert.deepEqual(ing.status?.loadBalancer?.ingress, [{ ip: PUBLISH }]);
      return true;
    });
  });

  it('serves nothing and writes no status for an Ingress of another class; clears it when an Ingress leaves our class', async () => {
    await api.create('ingressclasses', { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'other' }, spec: { controller: 'example.com/other' } });
    await api.create('ingresses', ingress('foreign', { ingressClassName: 'other', rules: [rule('foreign.example', ingressPath('/', 'Prefix', 'svc-a', 80))] }));
    await api.create('ingresses', ingress('legacy', { rules: [rule('legacy.example', ingressPath('/', 'Prefix', 'svc-a', 80))] }, { annotations: { [ANNOTATION_INGRESS_CLASS]: 'skiff' } }));
    await eventually(async () => (await request(port, '/', { host: 'legacy.example' })).status === 200);
    assert.equal((await request(port, '/', { host: 'foreign.example' })).status, 404);
    const foreign = await api.get<Ingress>('ingresses', 'default', 'foreign');
    assert.deepEqual(foreign.status?.loadBalancer?.ingress ?? [], []);

    await eventually(async () => (await api.get<Ingress>('ingresses', 'default', 'legacy')).status?.loadBalancer?.ingress?.[0]?.ip === PUBLISH);
    const legacy = await api.get<Ingress>('ingresses', 'default', 'legacy');
    await api.update('ingresses', { ...legacy, metadata: { ...legacy.metadata, annotations: { [ANNOTATION_INGRESS_CLASS]: 'nginx' } } });
    await eventually(async () => (await api.get<Ingress>('ingresses', 'default', 'legacy')).status?.loadBalancer?.ingress?.length === 0);
    await eventually(async () => (await request(port, '/', { host: 'legacy.example' })).status === 404);
  });

  it('records a Warning for spec.tls and still serves the Ingress over HTTP', async () => {
    await api.create('ingresses', ingress('tls', { tls: [{ hosts: ['tls.example'], secretName: 's' }], rules: [rule('tls.example', ingressPath('/', 'Prefix', 'svc-a', 80))] }));
    await eventually(async () => (await request(port, '/t', { host: 'tls.example' })).status === 200);
    await eventually(async () => recorder.events.some((e) => e.object === 'Ingress/default/tls' && e.type === 'Warning' && e.reason === 'TLSNotSupported' && e.message === TLS_NOT_SUPPORTED));
    assert.ok(recorder.events.some((e) => e.object === 'Ingress/default/tls' && e.reason === 'Sync'));
  });

  it('counts requests by Ingress, Service and status on /metrics', async () => {
    const metrics = await request(httpPort, '/metrics');
    assert.match(metrics.body, /nginx_ingress_controller_requests\{ingress="demo",namespace="default",service="svc-a",status="200",method="GET"\} \d+/);
    assert.match(metrics.body, /nginx_ingress_controller_requests\{ingress="",namespace="",service="",status="404",method="GET"\} \d+/);
    assert.match(metrics.body, /nginx_ingress_controller_request_duration_seconds_bucket\{le="0.005",ingress="demo"/);
    assert.equal((await request(httpPort, '/readyz')).status, 200);
  });
});
