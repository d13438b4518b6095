// The seams other parts plug into: Tables by Accept, protobuf bodies, streaming upgrades, openapi.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import type { KubeObject } from '@skiff/api';
import type { TableRequest, UpgradeRequest } from './extensions.js';
import { startRestTestServer, TEST_TOKEN, type RestTestServer } from './testing/rest-test-server.js';
import { TEST_CA_CERT } from './testing/test-tls.js';

let s: RestTestServer;
const tableCalls: { names: string[]; req: TableRequest }[] = [];
const upgrades: UpgradeRequest[] = [];

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

before(async () => {
  s = await startRestTestServer({
    extensions: {
      table: (objects: readonly KubeObject[], req: TableRequest) => {
        tableCalls.push({ names: objects.map((o) => o.metadata.name ?? ''), req });
        return { kind: 'Table', apiVersion: 'meta.k8s.io/v1', rows: objects.map((o) => ({ cells: [o.metadata.name] })) };
      },
      decodeProtobuf: (body, info) => {
        assert.equal(info.resource, 'namespaces');
        return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: body.toString('utf8').slice(4) } };
      },
      upgrade: {
        upgrade: (_req, socket, _head, ctx) => {
          upgrades.push(ctx);
          socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
        },
      },
      openapi: (_req, res, path) => {
        if (path !== '/openapi/v3') return false;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"paths":{}}');
        return true;
      },
    },
  });
});
after(async () => {
  await s.stop();
});

test('Accept as=Table renders lists, objects and watch events through the table extension', async () => {
  const list = await s.request('GET', '/api/v1/namespaces?includeObject=Object', { accept: TABLE_ACCEPT });
  assert.equal(list.status, 200);
  assert.equal(list.json()['kind'], 'Table');
  const call = tableCalls.at(-1);
  assert.ok(call?.names.includes('default'));
  assert.equal(call?.req.info.resource, 'namespaces');
  assert.equal(call?.req.includeObject, 'Object');
  assert.ok(call?.req.listMeta?.resourceVersion);

  const one = await s.request('GET', '/api/v1/namespaces/default', { accept: TABLE_ACCEPT });
  assert.equal(one.json()['kind'], 'Table');
  assert.equal(tableCalls.at(-1)?.req.includeObject, 'Metadata', 'the default');

  const plain = await s.request('GET', '/api/v1/namespaces/default', { accept: 'application/json' });
  assert.equal(plain.json()['kind'], 'Namespace');

  const res = await s.stream('/api/v1/namespaces?watch=true&resourceVersion=0&timeoutSeconds=1', { accept: TABLE_ACCEPT });
  let text = '';
  for await (const c of res) text += String(c);
  const events = text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { kind: string } });
  assert.ok(events.length >= 3);
  assert.ok(events.every((e) => e.type === 'ADDED' && e.object.kind === 'Table'));
  const watchCalls = tableCalls.slice(-events.length);
  assert.deepEqual(watchCalls.map((c) => c.req.noHeaders), [false, ...Array<boolean>(events.length - 1).fill(true)], 'headers only on the first event');
});

test('protobuf bodies go through the protobuf decoder', async () => {
  const r = await s.request('POST', '/api/v1/namespaces', { body: Buffer.from('k8s\0from-proto'), contentType: 'application/vnd.kubernetes.protobuf' });
  assert.equal(r.status, 201, r.text);
  assert.equal((r.json()['metadata'] as { name: string }).name, 'from-proto');
});

test('/openapi paths go to the openapi extension; what it does not serve is 404', async () => {
  assert.equal((await s.request('GET', '/openapi/v3')).text, '{"paths":{}}');
  assert.equal((await s.request('GET', '/openapi/v2')).status, 404);
});

/** Sends a raw upgrade request and returns the status line and body of the answer. */
function rawUpgrade(path: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: s.port, ca: TEST_CA_CERT, servername: 'localhost' }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}\r\n`);
    });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

test('exec upgrades are authenticated, routed and handed to the streams extension', async () => {
  const ok = await rawUpgrade('/api/v1/namespaces/default/pods/p1/exec?command=sh&stdin=true', TEST_TOKEN);
  assert.match(ok, /^HTTP\/1\.1 101/);
  const ctx = upgrades.at(-1);
  assert.deepEqual([ctx?.namespace, ctx?.name, ctx?.subresource, ctx?.query.get('command'), ctx?.user.name], ['default', 'p1', 'exec', 'sh', 'admin']);
  assert.match(await rawUpgrade('/api/v1/namespaces/default/pods/p1/exec', ''), /^HTTP\/1\.1 401/);
  assert.match(await rawUpgrade('/api/v1/namespaces/default/pods/p1/log', TEST_TOKEN), /^HTTP\/1\.1 400/);
  assert.match(await rawUpgrade('/api/v1/namespaces/default/foos/p1/exec', TEST_TOKEN), /^HTTP\/1\.1 404/);
  assert.equal(upgrades.length, 1);
});

test('without the streams extension an upgrade is a 501 Status', async () => {
  const plain = await startRestTestServer({ extensions: {} });
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: plain.port, ca: TEST_CA_CERT, servername: 'localhost' }, () => {
        socket.write(`GET /api/v1/namespaces/default/pods/p1/portforward HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nAuthorization: Bearer ${TEST_TOKEN}\r\n\r\n`);
      });
      let t = '';
      socket.on('data', (c: Buffer) => (t += c.toString()));
      socket.on('end', () => resolve(t));
      socket.on('error', reject);
    });
    assert.match(text, /^HTTP\/1\.1 501/);
    assert.match(text, /"kind":"Status"/);
    assert.equal((await plain.request('GET', '/version')).status, 200, 'still serving');
  } finally {
    await plain.stop();
  }
});
