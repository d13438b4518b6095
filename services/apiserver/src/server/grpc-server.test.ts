// The gRPC surface in-process over MemoryStorage: objects and errors cross the wire intact.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { ApiError, type Node, type Pod } from '@skiff/api';
import { ApiClient, loadSkiffProto } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { MemoryStorage } from '../storage/memory-storage.js';
import { startApiserver, type RunningApiserver } from '../run.js';

let server: RunningApiserver;
let client: ApiClient;

const pod = (name: string, containers = [{ name: 'web', image: 'skiff/demo-web:v1' }]): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers },
});

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return e;
  }
  return assert.fail('expected an error');
}

before(async () => {
  server = await startApiserver({ etcdServers: [], bindAddress: '127.0.0.1', port: 0, httpPort: 0 }, { storage: new MemoryStorage(), log: silentLogger() });
  client = new ApiClient({ server: server.address, timeoutMs: 5_000 });
});

after(async () => {
  client.close();
  await server.stop();
});

test('create, get, list, update, patch and delete over gRPC', async () => {
  const created = await client.create('pods', pod('crud'));
  assert.ok(created.metadata.uid);
  const got = await client.get<Pod>('pods', 'default', 'crud');
  assert.equal(got.metadata.resourceVersion, created.metadata.resourceVersion);
  const list = await client.list('pods', { namespace: 'default' });
  assert.equal(list.kind, 'PodList');
  assert.ok(list.items.some((p) => p.metadata.name === 'crud'));
  got.metadata.labels = { a: 'b' };
  const updated = await client.update('pods', got);
  const patched = await client.patch<Pod>('pods', 'default', 'crud', { metadata: { labels: { c: 'd' } } });
  assert.deepEqual(patched.metadata.labels, { a: 'b', c: 'd' });
  const stale = await apiError(client.update('pods', updated));
  assert.equal(stale.reason, 'Conflict');
  await client.delete('pods', 'default', 'crud');
  assert.equal((await apiError(client.get('pods', 'default', 'crud'))).reason, 'NotFound');
});

test('errors keep their reason and field causes across gRPC', async () => {
  const invalid = await apiError(client.create('pods', pod('bad', [{ name: 'web', image: '' }])));
  assert.equal(invalid.reason, 'Invalid');
  assert.equal(invalid.code, 422);
  assert.deepEqual(invalid.details.causes?.map((c) => c.field), ['spec.containers[0].image']);
  const missingNs = await apiError(client.create('pods', { ...pod('p'), metadata: { name: 'p', namespace: 'ghost' } }));
  assert.equal(missingNs.message, 'namespaces "ghost" not found');
  const unknown = await apiError(client.list('widgets'));
  assert.equal(unknown.reason, 'NotFound');
  assert.equal(unknown.message, 'the server doesn\'t have a resource type "widgets"');
  const badPolicy = await apiError(client.delete('pods', 'default', 'x', { propagationPolicy: 'Sideways' as 'Orphan' }));
  assert.equal(badPolicy.reason, 'Invalid');
  assert.equal(
    badPolicy.message,
    'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"',
  );
  assert.deepEqual(badPolicy.details.causes?.map((c) => c.field), ['propagationPolicy']);
});

test('malformed JSON is a BadRequest that says so, and nothing is written', async () => {
  const { Resources } = loadSkiffProto();
  const raw = new Resources(server.address, grpc.credentials.createInsecure()) as grpc.Client & Record<string, (...a: unknown[]) => void>;
  const err = await new Promise<grpc.ServiceError>((resolve) => {
    raw['Create']!.call(raw, { ref: { resource: 'pods', namespace: 'default' }, object_json: '{"metadata": {', dry_run: false }, (e: grpc.ServiceError) => resolve(e));
  });
  raw.close();
  assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
  assert.match(err.details, /^the object is not valid JSON: /);
  const status = JSON.parse(String(err.metadata.get('skiff-status')[0])) as { reason: string };
  assert.equal(status.reason, 'BadRequest');
});

test('binding over gRPC, once', async () => {
  await client.create('pods', pod('tobind'));
  await client.bind('default', 'tobind', 'node-1');
  assert.equal((await client.get<Pod>('pods', 'default', 'tobind')).spec.nodeName, 'node-1');
  const again = await apiError(client.bind('default', 'tobind', 'node-2'));
  assert.equal(again.reason, 'Conflict');
  assert.match(again.message, /pod tobind is already assigned to node "node-1"/);
});

test('a watch of an unknown resource or with a bad selector fails with the reason', async () => {
  for (const [resource, opts, reason] of [
    ['widgets', {}, 'NotFound'],
    ['pods', { labelSelector: 'a in (' }, 'BadRequest'],
  ] as const) {
    const w = client.watch(resource, opts);
    const err = await apiError((async () => {
      for await (const _ of w) void _;
    })());
    assert.equal(err.reason, reason);
  }
  assert.equal((await client.version())['major'], '1', 'the server keeps serving');
});

test('watch streams events and closes cleanly', async () => {
  const w = client.watch<Pod>('pods', { namespace: 'default', labelSelector: 'w=1', resourceVersion: '0' });
  const it = w[Symbol.asyncIterator]();
  await client.create('pods', { ...pod('watched'), metadata: { name: 'watched', namespace: 'default', labels: { w: '1' } } });
  const ev = await it.next();
  assert.equal(ev.value?.type, 'ADDED');
  assert.equal(ev.value?.object.metadata.name, 'watched');
  w.close();
});

test('Version answers like a Kubernetes 1.32 server', async () => {
  const v = await client.version();
  assert.equal(v['major'], '1');
  assert.equal(v['minor'], '32');
  assert.equal(v['gitVersion'], 'v1.32.0-skiff');
  assert.ok(v['platform']);
});

test('/metrics counts requests and /readyz is ready', async () => {
  await client.get('namespaces', '', 'default');
  const metrics = await (await fetch(`http://127.0.0.1:${server.httpPort}/metrics`)).text();
  assert.match(metrics, /apiserver_request_total\{verb="GET",resource="namespaces",code="200"\} \d+/);
  assert.match(metrics, /apiserver_request_total\{verb="POST",resource="pods",code="422"\} \d+/);
  assert.match(metrics, /apiserver_request_duration_seconds_bucket\{le="0.005",verb="GET",resource="namespaces"\}/);
  assert.match(metrics, /etcd_request_duration_seconds_count\{operation="get",type="namespaces"\}/);
  assert.match(metrics, /apiserver_registered_watchers\{resource="pods"\} 0/);
  const ready = await fetch(`http://127.0.0.1:${server.httpPort}/readyz`);
  assert.equal(ready.status, 200);
});

test('Logs asks the pod\'s kubelet and relays its chunks', async () => {
  const { Kubelet } = loadSkiffProto();
  const kubelet = new grpc.Server();
  const asked: Record<string, unknown>[] = [];
  kubelet.addService(Kubelet.service, {
    ContainerLogs: (call: grpc.ServerWritableStream<Record<string, unknown>, { data: Buffer }>) => {
      asked.push(call.request);
      call.write({ data: Buffer.from('hello\n') });
      call.write({ data: Buffer.from('world\n') });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    kubelet.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  try {
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'log-node' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
    };
    await client.create('nodes', node);
    await client.create('pods', pod('logged'));
    const unbound = await apiError((async () => {
      for await (const _ of client.logs('default', 'logged')) void _;
    })());
    assert.equal(unbound.message, 'pod logged does not have a host assigned');
    await client.bind('default', 'logged', 'log-node');
    let text = '';
    for await (const chunk of client.logs('default', 'logged', { tailLines: 5 })) text += chunk.toString();
    assert.equal(text, 'hello\nworld\n');
    assert.equal(asked[0]?.['container'], 'web');
    assert.equal(asked[0]?.['tail_lines'], 5);
    await client.create('pods', pod('two', [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'x:1' }]));
    const which = await apiError((async () => {
      for await (const _ of client.logs('default', 'two')) void _;
    })());
    assert.equal(which.message, 'a container name must be specified for pod two, choose one of: [a b]');
  } finally {
    kubelet.forceShutdown();
  }
});
