// The probe handlers against a local HTTP server (127.0.0.1 stands in for the pod's IP) and the
// fake runtime's exec; timeouts run on a FakeClock.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Container, Pod } from '@skiff/api';
import { FakeClock } from '@skiff/machinery';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { makePod } from '../testing/fixtures.js';
import { handlerUrl, httpGet, resolvePort, tcpConnect } from './handlers.js';
import { PROBE_USER_AGENT, Prober } from './prober.js';

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

describe('probe handlers', () => {
  let server: http.Server;
  let port = 0;
  const seen: http.IncomingHttpHeaders[] = [];
  const hanging: http.ServerResponse[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.url === '/healthz') res.end('ok');
      else if (req.url === '/moved') res.writeHead(302, { Location: '/elsewhere' }).end();
      else if (req.url === '/hang') hanging.push(res);
      else res.writeHead(500).end('boom');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    for (const res of hanging) res.destroy();
    await new Promise((r) => server.close(r));
  });

  const clock = new FakeClock();
  const opts = { timeoutMs: 1000, clock, userAgent: PROBE_USER_AGENT };

  it('succeeds on 200–399 with the body, fails otherwise with the status code', async () => {
    assert.deepEqual(await httpGet(`http://127.0.0.1:${port}/healthz`, opts), { result: 'success', output: 'ok', statusCode: 200 });
    assert.equal((await httpGet(`http://127.0.0.1:${port}/moved`, opts)).result, 'success');
    assert.deepEqual(await httpGet(`http://127.0.0.1:${port}/broken`, opts), { result: 'failure', output: 'HTTP probe failed with statuscode: 500', statusCode: 500 });
  });

  it('sends kube-probe\'s User-Agent and the spec\'s headers, which replace the defaults', async () => {
    seen.length = 0;
    await httpGet(`http://127.0.0.1:${port}/healthz`, { ...opts, headers: [{ name: 'X-Custom', value: 'a' }, { name: 'X-Custom', value: 'b' }, { name: 'accept', value: 'text/plain' }] });
    assert.equal(seen[0]?.['user-agent'], 'kube-probe/1.32');
    assert.equal(seen[0]?.['x-custom'], 'a, b');
    assert.equal(seen[0]?.accept, 'text/plain');
  });

  it('times out on the clock with Go\'s words, and says connection refused like Go', async () => {
    const pending = httpGet(`http://127.0.0.1:${port}/hang`, opts);
    while (hanging.length === 0) await new Promise((r) => setImmediate(r)); // the request reached the server
    clock.advance(1000);
    assert.deepEqual(await pending, {
      result: 'failure',
      output: `Get "http://127.0.0.1:${port}/hang": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
    const closed = await freePort();
    assert.deepEqual(await httpGet(`http://127.0.0.1:${closed}/`, opts), {
      result: 'failure',
      output: `Get "http://127.0.0.1:${closed}/": dial tcp 127.0.0.1:${closed}: connect: connection refused`,
    });
  });

  it('connects over TCP, or says why not', async () => {
    assert.equal((await tcpConnect('127.0.0.1', port, opts)).result, 'success');
    const closed = await freePort();
    assert.deepEqual(await tcpConnect('127.0.0.1', closed, opts), { result: 'failure', output: `dial tcp 127.0.0.1:${closed}: connect: connection refused` });
  });

  it('resolves a port by number, by the container port\'s name, or refuses', () => {
    const c: Container = { name: 'web', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] };
    assert.equal(resolvePort(80, c), 80);
    assert.equal(resolvePort('http', c), 8080);
    assert.equal(resolvePort('9090', c), 9090);
    assert.throws(() => resolvePort('metrics', c), /port "metrics" not found in container web/);
    assert.throws(() => resolvePort(70000, c), /invalid port number: 70000/);
    assert.equal(handlerUrl(undefined, '10.0.0.1', 80, 'healthz'), 'http://10.0.0.1:80/healthz');
    assert.equal(handlerUrl('HTTPS', '10.0.0.1', 443, undefined), 'https://10.0.0.1:443/');
  });
});

describe('Prober', () => {
  let clock: FakeClock;
  let rt: FakeRuntime;
  let events: string[];
  let prober: Prober;
  let containerId: string;
  let server: http.Server;
  let port = 0;

  before(async () => {
    server = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 500).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(async () => {
    clock = new FakeClock();
    rt = new FakeRuntime({ clock });
    events = [];
    prober = new Prober({ runtime: rt, clock, events: { record: (_p, type, reason, message) => events.push(`${type} ${reason} ${message}`) } });
    await rt.ensureNetwork({ name: 'n', labels: {} });
    containerId = await rt.createContainer({ name: 'c', image: 'skiff/busybox:latest', cmd: ['sleep', '3600'], labels: {}, networkMode: 'n' });
    await rt.startContainer(containerId);
  });

  const target = (container: Partial<Container>, pod: Pod = makePod()) => ({
    pod,
    container: { name: 'web', image: 'x', ports: [{ name: 'http', containerPort: port }], ...container },
    containerId,
    podIP: '127.0.0.1',
  });

  it('runs an exec probe in the container: exit 0 succeeds, anything else fails with the output', async () => {
    assert.equal(await prober.probe('liveness', target({ livenessProbe: { exec: { command: ['true'] } } })), 'success');
    assert.equal(await prober.probe('liveness', target({ livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] } } })), 'failure');
    assert.deepEqual(events, ["Warning Unhealthy Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n"]);
    assert.deepEqual(rt.execs.map((e) => [e.containerId, e.cmd.join(' ')]), [
      [containerId, 'true'],
      [containerId, 'cat /tmp/healthy'],
    ]);
  });

  it('fails an exec probe that outlives timeoutSeconds', async () => {
    const pending = prober.probe('readiness', target({ readinessProbe: { exec: { command: ['sleep', '60'] }, timeoutSeconds: 2 } }));
    await settle();
    clock.advance(2_000);
    assert.equal(await pending, 'failure');
    assert.deepEqual(events, ['Warning Unhealthy Readiness probe failed: command "sleep 60" timed out']);
  });

  it('GETs the pod IP on a named port, with the Unhealthy event Kubernetes writes', async () => {
    assert.equal(await prober.probe('liveness', target({ livenessProbe: { httpGet: { path: '/healthz', port: 'http' } } })), 'success');
    assert.equal(await prober.probe('liveness', target({ livenessProbe: { httpGet: { path: '/bad', port: port } } })), 'failure');
    assert.equal(await prober.probe('startup', target({ startupProbe: { tcpSocket: { port: 'http' } } })), 'success');
    assert.deepEqual(events, ['Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500']);
  });

  it('reports a probe that cannot run as unknown with an event, never throws', async () => {
    assert.equal(await prober.probe('readiness', target({ readinessProbe: { httpGet: { port: 'metrics' } } })), 'unknown');
    await rt.stopContainer(containerId, 1);
    assert.equal(await prober.probe('liveness', target({ livenessProbe: { exec: { command: ['true'] } } })), 'unknown');
    assert.equal(events.length, 2);
    assert.match(events[0] ?? '', /^Warning Unhealthy Readiness probe errored and resulted in unknown state: port "metrics" not found in container web$/);
    assert.match(events[1] ?? '', /^Warning Unhealthy Liveness probe errored and resulted in unknown state: Container \w+ is not running$/);
  });
});

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}
