// GET pods/<name>/log over HTTPS: sinceSeconds / sinceTime reach the kubelet (a fake Kubelet gRPC
// service that records what it was asked), and wrong ones are refused as Kubernetes refuses them:
// a malformed value is 400 BadRequest, a wrong one 422 Invalid (ValidatePodLogOptions). The gRPC
// Logs call validates the same way.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { ApiError, type Node, type Pod } from '@skiff/api';
import { ApiClient, loadSkiffProto, type LogOptions } from '@skiff/client';
import { startRestTestServer, type RestTestServer } from './testing/rest-test-server.js';

let s: RestTestServer;
let client: ApiClient;
let kubelet: grpc.Server;
const asked: Record<string, unknown>[] = [];

const LOG = '/api/v1/namespaces/default/pods/since-pod/log';

before(async () => {
  s = await startRestTestServer();
  client = new ApiClient({ server: s.apiserver.address, timeoutMs: 5_000 });
  const { Kubelet } = loadSkiffProto();
  kubelet = new grpc.Server();
  kubelet.addService(Kubelet.service, {
    ContainerLogs: (call: grpc.ServerWritableStream<Record<string, unknown>, { data: Buffer }>) => {
      asked.push(call.request);
      call.write({ data: Buffer.from('recent\n') });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    kubelet.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'since-node' },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
  };
  await client.create('nodes', node);
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'since-pod', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'skiff/busybox:latest' }] } };
  await client.create('pods', pod);
  await client.bind('default', 'since-pod', 'since-node');
});

after(async () => {
  client.close();
  kubelet.forceShutdown();
  await s.stop();
});

test('sinceSeconds and sinceTime are passed to the kubelet', async () => {
  asked.length = 0;
  const bySeconds = await s.request('GET', `${LOG}?sinceSeconds=10`);
  assert.equal(bySeconds.status, 200, bySeconds.text);
  assert.equal(bySeconds.text, 'recent\n');
  const byTime = await s.request('GET', `${LOG}?sinceTime=${encodeURIComponent('2024-01-02T03:04:05+01:00')}`);
  assert.equal(byTime.status, 200, byTime.text);
  const plain = await s.request('GET', LOG);
  assert.equal(plain.status, 200, plain.text);
  assert.deepEqual(
    asked.map((r) => [r['since_seconds'], r['since_time']]),
    [
      [10, ''],
      [0, '2024-01-02T03:04:05+01:00'],
      [0, ''],
    ],
  );
});

test('both at once, or sinceSeconds below 1, is 422 Invalid in Kubernetes words', async () => {
  asked.length = 0;
  const both = await s.request('GET', `${LOG}?sinceSeconds=10&sinceTime=2024-01-02T03:04:05Z`);
  assert.equal(both.status, 422, both.text);
  assert.equal(both.json()['reason'], 'Invalid');
  assert.equal(both.json()['message'], 'PodLogOptions "since-pod" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
  const details = both.json()['details'] as { kind: string; causes: { reason: string; field: string }[] };
  assert.equal(details.kind, 'PodLogOptions');
  assert.deepEqual(details.causes.map((c) => [c.reason, c.field]), [['FieldValueForbidden', '']]);
  for (const v of ['0', '-5']) {
    const r = await s.request('GET', `${LOG}?sinceSeconds=${v}`);
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json()['message'], `PodLogOptions "since-pod" is invalid: sinceSeconds: Invalid value: ${v}: must be greater than 0`);
  }
  // Options are checked before the pod is looked up, as Kubernetes does.
  const missing = await s.request('GET', '/api/v1/namespaces/default/pods/nobody/log?sinceSeconds=0');
  assert.equal(missing.status, 422, missing.text);
  assert.equal(asked.length, 0, 'the kubelet was not asked');
});

test('a malformed sinceSeconds or sinceTime is 400 BadRequest', async () => {
  asked.length = 0;
  const seconds = await s.request('GET', `${LOG}?sinceSeconds=10s`);
  assert.equal(seconds.status, 400, seconds.text);
  assert.equal(seconds.json()['reason'], 'BadRequest');
  assert.match(String(seconds.json()['message']), /parsing "10s": invalid syntax/);
  for (const v of ['yesterday', '2024-01-02', '2024-01-02T03:04:05', '2024-13-02T03:04:05Z']) {
    const r = await s.request('GET', `${LOG}?sinceTime=${encodeURIComponent(v)}`);
    assert.equal(r.status, 400, `${v}: ${r.text}`);
    assert.match(String(r.json()['message']), new RegExp(`parsing time "${v}"`));
  }
  assert.equal(asked.length, 0, 'the kubelet was not asked');
});

test('the gRPC Logs call passes since on and validates it the same way', async () => {
  asked.length = 0;
  const read = async (opts: LogOptions): Promise<string> => {
    let text = '';
    for await (const chunk of client.logs('default', 'since-pod', opts)) text += chunk.toString();
    return text;
  };
  assert.equal(await read({ sinceSeconds: 30 }), 'recent\n');
  assert.equal(await read({ sinceTime: '2024-01-02T03:04:05.5Z' }), 'recent\n');
  assert.deepEqual(asked.map((r) => [r['since_seconds'], r['since_time']]), [
    [30, ''],
    [0, '2024-01-02T03:04:05.5Z'],
  ]);
  const reject = async (opts: LogOptions): Promise<ApiError> => {
    try {
      await read(opts);
    } catch (e) {
      assert.ok(e instanceof ApiError, String(e));
      return e;
    }
    return assert.fail('expected an error');
  };
  const both = await reject({ sinceSeconds: 30, sinceTime: '2024-01-02T03:04:05Z' });
  assert.equal(both.reason, 'Invalid');
  assert.match(both.message, /at most one of `sinceTime` or `sinceSeconds` may be specified/);
  assert.equal((await reject({ sinceSeconds: -1 })).reason, 'Invalid');
  assert.equal((await reject({ sinceTime: 'soon' })).reason, 'BadRequest');
});
