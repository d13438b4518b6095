// pods/exec and pods/portforward over the REST server's upgrades, through a fake kubelet gRPC
// server: a v5.channel.k8s.io WebSocket client as kubectl's, SPDY tunnelled in WebSocket and
// plain SPDY/3.1 upgrades as kubectl's port-forward, and malformed handshakes.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '@skiff/client';
import { startRestTestServer, TEST_TOKEN, type RestTestServer } from '../testing/rest-test-server.js';
import { TEST_CA_CERT } from '../testing/test-tls.js';
import { execPath, openExec, type ExecClientOptions } from './testing/exec-client.js';
import { fakeNode, runningPod, startStreamsFixture, type FakeKubelet, type StreamsFixture } from './testing/fake-kubelet.js';
import { SpdyClient } from './testing/spdy-client.js';
import { openTunnel } from './testing/tunnel-client.js';

let s: RestTestServer;
let api: ApiClient;
let kubelet: FakeKubelet;
let opts: ExecClientOptions;
let podPort: number;
let fixture: StreamsFixture;

before(async () => {
  fixture = await startStreamsFixture();
  ({ server: s, api, kubelet, podPort } = fixture);
  opts = { server: `https://127.0.0.1:${s.port}`, token: TEST_TOKEN, ca: TEST_CA_CERT };
});

after(async () => {
  await fixture?.stop();
});

test('exec over v5.channel.k8s.io: stdout, then a Success status and a normal close', async () => {
  const c = await openExec(execPath('default', 'web', ['echo', 'hi']), opts);
  assert.equal(c.protocol, 'v5.channel.k8s.io');
  const r = await c.done;
  assert.equal(r.stdout, 'hi\n');
  assert.deepEqual(r.status, { metadata: {}, status: 'Success' });
  assert.equal(r.closeCode, 1000);
});

test('exec relays stdin until the v5 close of stdin', async () => {
  const c = await openExec(execPath('default', 'web', ['cat'], { stdin: true }), opts);
  c.write('one\n');
  await c.waitForStdout('one\n');
  c.write('two\n');
  await c.waitForStdout('two\n');
  c.closeStdin();
  const r = await c.done;
  assert.equal(r.stdout, 'one\ntwo\n');
  assert.equal(r.status?.['status'], 'Success');
});

test('a non-zero exit code travels as NonZeroExitCode with the code in the causes', async () => {
  const c = await openExec(execPath('default', 'web', ['exit', '3']), opts);
  const r = await c.done;
  assert.equal(r.stderr, 'bye\n');
  assert.equal(r.status?.['status'], 'Failure');
  assert.equal(r.status?.['reason'], 'NonZeroExitCode');
  assert.deepEqual(r.status?.['details'], { causes: [{ reason: 'ExitCode', message: '3' }] });
});

test('with a terminal, resizes reach the kubelet', async () => {
  const c = await openExec(execPath('default', 'web', ['size'], { stdin: true, tty: true }), opts);
  c.resize(120, 40);
  await c.waitForStdout('120x40\n');
  c.closeStdin();
  assert.equal((await c.done).status?.['status'], 'Success');
});

test('v4.channel.k8s.io is served to clients that offer only it', async () => {
  const c = await openExec(execPath('default', 'web', ['echo', 'old']), { ...opts, protocols: ['v4.channel.k8s.io'] });
  assert.equal(c.protocol, 'v4.channel.k8s.io');
  assert.equal((await c.done).stdout, 'old\n');
});

async function refused(path: string, protocols: string[] | undefined): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  try {
    const c = await openExec(path, { ...opts, ...(protocols ? { protocols } : {}) });
    c.close();
  } catch (e) {
    const err = e as { statusCode?: number; body?: string };
    return { statusCode: err.statusCode ?? 0, body: JSON.parse(err.body ?? '{}') as Record<string, unknown> };
  }
  return assert.fail('the upgrade was accepted');
}

/** Sends raw upgrade request text over TLS; returns the status line and the body. */
function rawRequest(text: string): Promise<{ line: string; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ host: '127.0.0.1', port: s.port, ca: TEST_CA_CERT, servername: 'localhost' }, () => sock.write(text));
    let got = '';
    sock.on('data', (b) => (got += b.toString()));
    sock.on('end', () => {
      const [head = '', body = ''] = got.split('\r\n\r\n');
      resolve({ line: head.split('\r\n')[0] ?? '', body });
    });
    sock.on('error', reject);
  });
}

test('malformed handshakes get a Status over HTTP and the server keeps serving', async () => {
  const echo = execPath('default', 'web', ['echo', 'hi']);
  const noProtocol = await refused(echo, []);
  assert.equal(noProtocol.statusCode, 400);
  assert.equal(noProtocol.body['kind'], 'Status');
  assert.match(String(noProtocol.body['message']), /no supported WebSocket subprotocol/);
  assert.equal((await refused(echo, ['v9.channel.k8s.io'])).statusCode, 400);
  const ghost = await refused(execPath('default', 'ghost', ['echo']), undefined);
  assert.equal(ghost.statusCode, 404);
  assert.equal(ghost.body['reason'], 'NotFound');
  assert.equal((await refused(execPath('default', 'web', ['echo'], { container: 'nope' }), undefined)).statusCode, 400);
  assert.match(String((await refused('/api/v1/namespaces/default/pods/web/exec?stdout=true', undefined)).body['message']), /at least one command/);

  const auth = `Authorization: Bearer ${TEST_TOKEN}\r\n`;
  const noKey = await rawRequest(`GET ${echo} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n${auth}\r\n`);
  assert.match(noKey.line, /^HTTP\/1\.1 400/);
  assert.match(noKey.body, /Sec-WebSocket-Key/);
  const notWs = await rawRequest(`GET ${echo} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n${auth}\r\n`);
  assert.match(notWs.line, /^HTTP\/1\.1 400/);
  const spdyExec = await rawRequest(`POST ${echo} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n${auth}\r\n`);
  assert.match(spdyExec.line, /^HTTP\/1\.1 400/);
  assert.match(spdyExec.body, /over SPDY is not served/);

  // Still serving, plain requests and exec alike.
  assert.equal((await s.request('GET', '/api/v1/namespaces/default/pods/web')).status, 200);
  assert.equal((await (await openExec(echo, opts)).done).stdout, 'hi\n');
});

async function tunnel(): Promise<{ client: SpdyClient }> {
  const t = await openTunnel({ port: s.port, path: '/api/v1/namespaces/default/pods/web/portforward', token: TEST_TOKEN, ca: TEST_CA_CERT, protocol: 'SPDY/3.1+portforward.k8s.io' });
  assert.equal(t.protocol, 'SPDY/3.1+portforward.k8s.io');
  return { client: new SpdyClient(t.stream) };
}

test('port-forward over SPDY tunnelled in WebSocket relays a connection both ways', async () => {
  const { client } = await tunnel();
  await client.ping();
  const { error, data } = await client.forward(podPort, 0);
  data.write('hello\n');
  data.write(Buffer.alloc(100_000, 'x'));
  data.end();
  assert.equal(await data.readAll(), 'pod got 100006 bytes: hello\nxxxxxx');
  assert.equal(await error.readAll(), '', 'no error, and the error stream is closed');

  // A second connection on the same session.
  const second = await client.forward(podPort, 1);
  second.data.write('again');
  second.data.end();
  assert.equal(await second.data.readAll(), 'pod got 5 bytes: again');
  client.close();
});

test('port-forward writes a refused connection on the error stream', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const { client } = await tunnel();
  const { error } = await client.forward(deadPort, 0);
  assert.match(await error.readAll(), new RegExp(`error forwarding port ${deadPort} to pod web, uid .*ECONNREFUSED`));
  client.close();
});

/** kubectl's fallback: POST with Upgrade: SPDY/3.1 straight on the TLS connection. */
function spdyUpgrade(path: string): Promise<{ line: string; socket: TLSSocket }> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ host: '127.0.0.1', port: s.port, ca: TEST_CA_CERT, servername: 'localhost' }, () => {
      sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\nContent-Length: 0\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n\r\n`);
    });
    let got = Buffer.alloc(0);
    const onData = (b: Buffer): void => {
      got = Buffer.concat([got, b]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      const rest = got.subarray(end + 4);
      if (rest.length > 0) sock.unshift(rest);
      resolve({ line: got.subarray(0, end).toString(), socket: sock });
    };
    sock.on('data', onData);
    sock.on('error', reject);
  });
}

test('port-forward over a plain SPDY/3.1 upgrade (kubectl\'s fallback)', async () => {
  const { line, socket } = await spdyUpgrade('/api/v1/namespaces/default/pods/web/portforward');
  assert.match(line, /^HTTP\/1\.1 101/);
  assert.match(line, /X-Stream-Protocol-Version: portforward\.k8s\.io/i);
  const client = new SpdyClient(socket);
  const { data } = await client.forward(podPort, 0);
  data.write('x');
  data.end();
  assert.equal(await data.readAll(), 'pod got 1 bytes: x');
  client.close();
});

test('port-forward refuses unknown pods and handshakes without its subprotocol', async () => {
  const auth = `Authorization: Bearer ${TEST_TOKEN}\r\n`;
  const key = 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
  const ghost = await rawRequest(`GET /api/v1/namespaces/default/pods/ghost/portforward HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${key}Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io\r\n${auth}\r\n`);
  assert.match(ghost.line, /^HTTP\/1\.1 404/);
  const wrong = await rawRequest(`GET /api/v1/namespaces/default/pods/web/portforward HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${key}Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n${auth}\r\n`);
  assert.match(wrong.line, /^HTTP\/1\.1 400/);
  assert.match(wrong.body, /SPDY\/3\.1\+portforward\.k8s\.io/);
});

test('stopping the apiserver ends the streams still open instead of waiting for them', async () => {
  const other = await startRestTestServer();
  const otherApi = new ApiClient({ server: other.apiserver.address, timeoutMs: 5_000 });
  try {
    await fakeNode(otherApi, 'stream-node', kubelet.port);
    await runningPod(otherApi, 'web', 'stream-node');
    const c = await openExec(execPath('default', 'web', ['cat'], { stdin: true }), { ...opts, server: `https://127.0.0.1:${other.port}` });
    c.write('still here\n');
    await c.waitForStdout('still here\n');
    await other.stop();
    const r = await c.done;
    assert.notEqual(r.closeCode, 1000, 'the connection was cut, not closed normally');
  } finally {
    otherApi.close();
  }
});
