// The HTTPS REST server in-process: authentication, the errors of bad requests (each a Status, the
// server serving on after it), /version and the health checks, and request metrics.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { newRegistry } from '@skiff/component';
import type { Registry as MetricsRegistry } from 'prom-client';
import { MAX_REQUEST_BODY_BYTES } from './body.js';
import { startRestTestServer, type RestTestServer } from './testing/rest-test-server.js';
import { TEST_CA_CERT } from './testing/test-tls.js';

let s: RestTestServer;
let metrics: MetricsRegistry;

const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'skiff/busybox:latest' }] } });

before(async () => {
  metrics = newRegistry();
  s = await startRestTestServer({ metricsRegistry: metrics });
});

after(async () => {
  await s.stop();
});

async function stillServing(): Promise<void> {
  const r = await s.request('GET', '/api/v1/namespaces/default');
  assert.equal(r.status, 200, r.text);
}

test('without a token, or with a wrong one, resources are 401 Unauthorized', async () => {
  for (const token of ['', 'wrong-token']) {
    const r = await s.request('GET', '/api/v1/namespaces', { token });
    assert.equal(r.status, 401);
    assert.deepEqual(r.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  }
  assert.equal((await s.request('GET', '/version', { token: 'wrong-token' })).status, 401, 'a wrong token is refused everywhere');
  await stillServing();
});

test('/version and the health checks answer without a token', async () => {
  const v = await s.request('GET', '/version', { token: '' });
  assert.equal(v.status, 200);
  const version = v.json();
  assert.equal(version['major'], '1');
  assert.equal(version['minor'], '32');
  assert.match(String(version['gitVersion']), /^v1\.32\.0-skiff/);
  for (const p of ['/healthz', '/livez', '/readyz']) {
    const r = await s.request('GET', p, { token: '' });
    assert.equal(r.status, 200, p);
    assert.equal(r.text, 'ok');
  }
  const verbose = await s.request('GET', '/readyz?verbose');
  assert.match(verbose.text, /\[\+\]etcd ok/);
  assert.match(verbose.text, /\[\+\]bootstrap ok/);
});

test('the server only speaks TLS with its certificate', async () => {
  await assert.rejects(
    new Promise((resolve, reject) => {
      httpsRequest({ host: '127.0.0.1', port: s.port, path: '/version' }, resolve).on('error', reject).end();
    }),
    /self[- ]signed|unable to verify|certificate/i,
  );
  const ok = await new Promise<number>((resolve, reject) => {
    httpsRequest({ host: '127.0.0.1', port: s.port, path: '/version', ca: TEST_CA_CERT }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(ok, 200);
});

test('unknown paths, groups and kinds are 404 NotFound Status', async () => {
  for (const p of ['/nope', '/api/v2', '/apis/example.com/v1', '/apis/apps/v2', '/api/v1/foos', '/api/v1/namespaces/default/foos/x', '/apis/apps/v1/pods', '/api/v1/namespaces/default/pods/x/y/z']) {
    const r = await s.request('GET', p);
    assert.equal(r.status, 404, p);
    const st = r.json();
    assert.equal(st['kind'], 'Status');
    assert.equal(st['reason'], 'NotFound');
    assert.equal(st['code'], 404);
  }
  const missing = await s.request('GET', '/api/v1/namespaces/default/pods/missing');
  assert.equal(missing.status, 404);
  assert.deepEqual((missing.json()['details'] as Record<string, unknown>)['name'], 'missing');
  assert.equal((await s.request('GET', '/api/v1/namespaces/default/pods/missing/bogus')).status, 404, 'an unknown subresource');
  await stillServing();
});

test('a cluster-scoped kind under a namespace is 404; a write to the all-namespaces collection is 405', async () => {
  assert.equal((await s.request('GET', '/api/v1/namespaces/default/nodes')).status, 404);
  const r = await s.request('POST', '/api/v1/pods', { body: pod('all') });
  assert.equal(r.status, 405);
  assert.equal(r.json()['reason'], 'MethodNotAllowed');
});

test('malformed JSON is 400 BadRequest and nothing is stored', async () => {
  const r = await s.request('POST', '/api/v1/namespaces/default/pods', { body: '{"apiVersion": "v1", "kind": "Pod", metadata: ', contentType: 'application/json' });
  assert.equal(r.status, 400);
  assert.equal(r.json()['reason'], 'BadRequest');
  assert.match(String(r.json()['message']), /not valid JSON/);
  await stillServing();
});

test('an unsupported Content-Type is 415 UnsupportedMediaType', async () => {
  const r = await s.request('POST', '/api/v1/namespaces/default/pods', { body: JSON.stringify(pod('x415')), contentType: 'text/plain' });
  assert.equal(r.status, 415);
  assert.equal(r.json()['reason'], 'UnsupportedMediaType');
  const pb = await s.request('POST', '/api/v1/namespaces/default/pods', { body: Buffer.from('k8s\0\x0a\x02\x0a\x00'), contentType: 'application/vnd.kubernetes.protobuf' });
  assert.ok(pb.status === 400 || pb.status === 415, `a protobuf body Skiff cannot decode is refused, got ${pb.status}`);
  assert.equal((await s.request('GET', '/api/v1/namespaces/default/pods/x415')).status, 404);
  await stillServing();
});

test('a body over 3 MiB is 413 RequestEntityTooLarge, declared or streamed', async () => {
  const big = JSON.stringify({ ...pod('big'), metadata: { name: 'big', annotations: { a: 'x'.repeat(MAX_REQUEST_BODY_BYTES) } } });
  const r = await s.request('POST', '/api/v1/namespaces/default/configmaps', { body: big, contentType: 'application/json' });
  assert.equal(r.status, 413);
  assert.equal(r.json()['reason'], 'RequestEntityTooLarge');
  // Chunked, without a Content-Length: refused once the limit is crossed.
  const streamed = await new Promise<number>((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port: s.port, method: 'POST', path: '/api/v1/namespaces/default/configmaps', ca: TEST_CA_CERT, headers: { 'Content-Type': 'application/json', Authorization: `Bearer skiff-test-token-0123456789`, 'Transfer-Encoding': 'chunked' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    const chunk = 'y'.repeat(256 * 1024);
    let sent = 0;
    const pump = (): void => {
      while (sent < MAX_REQUEST_BODY_BYTES + chunk.length * 2) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  }).catch((e: unknown) => (String(e).includes('EPIPE') || String(e).includes('ECONNRESET') ? 413 : Promise.reject(e)));
  assert.equal(streamed, 413);
  assert.equal((await s.request('GET', '/api/v1/namespaces/default/configmaps/big')).status, 404);
  await stillServing();
});

test('requests are counted by verb, resource and code', async () => {
  await s.request('GET', '/api/v1/namespaces/default/pods');
  await s.request('GET', '/api/v1/namespaces/default/pods/none');
  const text = await metrics.metrics();
  assert.match(text, /apiserver_request_total\{verb="LIST",resource="pods",code="200"\} [1-9]/);
  assert.match(text, /apiserver_request_total\{verb="GET",resource="pods",code="404"\} [1-9]/);
  assert.match(text, /apiserver_request_duration_seconds_count\{verb="LIST",resource="pods"\} [1-9]/);
});

test('a partial REST configuration or a malformed token file fails the start, naming the problem', async () => {
  const { startApiserver } = await import('../run.js');
  const { MemoryStorage } = await import('../storage/memory-storage.js');
  const { silentLogger } = await import('@skiff/component');
  const { writeFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const base = { etcdServers: [], bindAddress: '127.0.0.1', port: 0, httpPort: 0, securePort: 0 };
  await assert.rejects(
    startApiserver({ ...base, tlsCertFile: path.join(s.dir, 'apiserver.crt') }, { storage: new MemoryStorage(), log: silentLogger() }),
    /missing --tls-private-key-file, --token-auth-file/,
  );
  const tokens = path.join(s.dir, 'bad-tokens.csv');
  await writeFile(tokens, 'only-a-token\n');
  await assert.rejects(
    startApiserver(
      { ...base, tlsCertFile: path.join(s.dir, 'apiserver.crt'), tlsPrivateKeyFile: path.join(s.dir, 'apiserver.key'), tokenAuthFile: tokens },
      { storage: new MemoryStorage(), log: silentLogger() },
    ),
    /bad-tokens\.csv, line 1: want token,user,uid/,
  );
});
