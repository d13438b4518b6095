// The apiserver in-process (gRPC server + ApiClient) against a real etcd started for the run.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, type Deployment, type KubeObject, type Namespace, type Pod, type Scale, type WatchEvent } from '@skiff/api';
import { ApiClient, untilAvailable } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { startApiserver, type RunningApiserver } from './run.js';
import { EtcdStorage } from './storage/etcd-storage.js';
import { startTestEtcd, type TestEtcd } from './storage/test-etcd.js';

let etcd: TestEtcd;
let server: RunningApiserver;
let client: ApiClient;
let admin: EtcdStorage;

const pod = (name: string, labels: Record<string, string> = {}, namespace = 'default'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] },
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

/** Reads watch events in the background; `next(pred)` waits (with a deadline) for a matching one. */
function reader<T extends KubeObject>(stream: AsyncIterable<WatchEvent<T>>) {
  const seen: WatchEvent<T>[] = [];
  let failure: unknown;
  let ended = false;
  const done = (async () => {
    try {
      for await (const ev of stream) seen.push(ev);
    } catch (e) {
      failure = e;
    } finally {
      ended = true;
    }
  })();
  return {
    seen,
    done,
    failure: () => failure,
    ended: () => ended,
    async next(pred: (ev: WatchEvent<T>) => boolean, what: string, ms = 15_000): Promise<WatchEvent<T>> {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = seen.find(pred);
        if (hit) return hit;
        if (ended) assert.fail(`watch ended (${String(failure)}) before ${what}`);
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

before(async () => {
  etcd = await startTestEtcd();
  admin = new EtcdStorage({ endpoints: [etcd.endpoint] });
  server = await startApiserver(
    { etcdServers: [etcd.endpoint], bindAddress: '127.0.0.1', port: 0, httpPort: 0, watchCacheCapacity: 20 },
    { log: silentLogger() },
  );
  client = new ApiClient({ server: server.address, timeoutMs: 10_000 });
});

after(async () => {
  client?.close();
  await server?.stop();
  await admin?.close();
  await etcd?.stop();
});

test('CRUD against etcd; resourceVersion is the etcd revision', async () => {
  const created = await client.create('pods', pod('crud'));
  assert.ok(Number(created.metadata.resourceVersion) > 0);
  const raw = await admin.get('/registry/pods/default/crud');
  assert.equal(String(raw?.modRevision), created.metadata.resourceVersion);
  const got = await client.get<Pod>('pods', 'default', 'crud');
  got.metadata.labels = { v: '2' };
  const updated = await client.update('pods', got);
  assert.ok(Number(updated.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
  const stale = await apiError(client.update('pods', got));
  assert.equal(stale.reason, 'Conflict');
  assert.match(stale.message, /the object has been modified/);
  await client.delete('pods', 'default', 'crud');
  assert.equal((await apiError(client.get('pods', 'default', 'crud'))).reason, 'NotFound');
  assert.equal(await admin.get('/registry/pods/default/crud'), undefined);
});

test('bad input is refused with a reason and the field, and nothing is written', async () => {
  const before = (await client.list('pods')).items.length;
  const invalid = await apiError(client.create('pods', { ...pod('Bad Name'), spec: { containers: [{ name: 'web', image: 'x:1', ports: [{ containerPort: 0 }] }] } }));
  assert.equal(invalid.reason, 'Invalid');
  assert.deepEqual(invalid.details.causes?.map((c) => c.field), ['metadata.name', 'spec.containers[0].ports[0].containerPort']);
  const missingNs = await apiError(client.create('pods', pod('p', {}, 'nowhere')));
  assert.equal(missingNs.reason, 'NotFound');
  assert.equal(missingNs.message, 'namespaces "nowhere" not found');
  const unknownField = await apiError(client.create('pods', { ...pod('p'), spec: { containers: [{ name: 'web', image: 'x:1', securityContext: {} }] } } as unknown as Pod));
  assert.equal(unknownField.reason, 'BadRequest');
  assert.match(unknownField.message, /unknown field "spec\.containers\[0\]\.securityContext"/);
  assert.equal((await client.list('pods')).items.length, before);
});

test('label and field selectors over gRPC', async () => {
  await client.create('pods', pod('sel-a', { app: 'web' }));
  await client.create('pods', pod('sel-b', { app: 'web', tier: 'db' }));
  await client.bind('default', 'sel-a', 'node-1');
  const names = async (opts: { labelSelector?: string; fieldSelector?: string }) =>
    (await client.list('pods', { namespace: 'default', ...opts })).items.map((p) => p.metadata.name).sort();
  assert.deepEqual(await names({ labelSelector: 'app=web' }), ['sel-a', 'sel-b']);
  assert.deepEqual(await names({ labelSelector: 'app=web,tier notin (db)' }), ['sel-a']);
  assert.deepEqual(await names({ labelSelector: 'app', fieldSelector: 'spec.nodeName=node-1' }), ['sel-a']);
  assert.deepEqual(await names({ labelSelector: 'app', fieldSelector: 'spec.nodeName!=node-1,status.phase=Pending' }), ['sel-b']);
  const bad = await apiError(client.list('pods', { fieldSelector: 'spec.image=x' }));
  assert.equal(bad.reason, 'BadRequest');
  assert.equal(bad.message, 'field label not supported: spec.image');
});

test('binding sets the node once', async () => {
  await client.create('pods', pod('bind-me'));
  await client.bind('default', 'bind-me', 'node-1');
  const p = await client.get<Pod>('pods', 'default', 'bind-me');
  assert.equal(p.spec.nodeName, 'node-1');
  assert.equal(p.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
  const again = await apiError(client.bind('default', 'bind-me', 'node-2'));
  assert.equal(again.reason, 'Conflict');
});

test('scale subresource of Deployments and ReplicaSets over gRPC against etcd', async () => {
  for (const resource of ['deployments', 'replicasets'] as const) {
    const name = `scale-${resource}`;
    const labels = { app: name };
    const body = {
      apiVersion: 'apps/v1',
      kind: resource === 'deployments' ? 'Deployment' : 'ReplicaSet',
      metadata: { name, namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] } } },
    };
    const created = await client.create<KubeObject>(resource, body);
    const scale = await client.get<Scale>(resource, 'default', name, { subresource: 'scale' });
    assert.deepEqual(
      [scale.apiVersion, scale.kind, scale.metadata.uid, scale.metadata.resourceVersion, scale.spec.replicas, scale.status],
      ['autoscaling/v1', 'Scale', created.metadata.uid, created.metadata.resourceVersion, 2, { replicas: 0, selector: `app=${name}` }],
    );
    const updated = await client.update<Scale>(resource, { ...scale, spec: { replicas: 5 } }, { subresource: 'scale' });
    assert.equal(updated.spec.replicas, 5);
    const raw = await admin.get(`/registry/${resource}/default/${name}`);
    assert.equal(String(raw?.modRevision), updated.metadata.resourceVersion, 'the Scale\'s resourceVersion is the owner\'s etcd revision');
    assert.equal((JSON.parse(raw?.value ?? '{}') as { spec: { replicas: number } }).spec.replicas, 5);
    const stale = await apiError(client.update(resource, { ...scale, spec: { replicas: 9 } }, { subresource: 'scale' }));
    assert.equal(stale.reason, 'Conflict');
    const patched = await client.patch<Scale>(resource, 'default', name, { spec: { replicas: 1 } }, { subresource: 'scale' });
    assert.equal(patched.spec.replicas, 1);
    const negative = await apiError(client.patch(resource, 'default', name, { spec: { replicas: -1 } }, { subresource: 'scale' }));
    assert.equal(negative.message, `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`);
    assert.deepEqual(negative.details.causes?.map((c) => c.field), ['spec.replicas']);
    const owner = await client.get<Deployment>(resource, 'default', name);
    assert.equal(owner.spec.replicas, 1);
    assert.equal(owner.metadata.generation, 3, 'each scale is a new generation');
  }
});

test('a namespace terminates: Terminating, no new content, finalize removes it from etcd', async () => {
  const created = await client.create<Namespace>('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  assert.deepEqual(created.spec?.finalizers, ['kubernetes']);
  await client.create('pods', pod('inside', {}, 'doomed'));
  const marked = await client.delete<Namespace>('namespaces', '', 'doomed');
  assert.equal(marked.status?.phase, 'Terminating');
  assert.ok(marked.metadata.deletionTimestamp);
  const refused = await apiError(client.create('pods', pod('late', {}, 'doomed')));
  assert.equal(refused.reason, 'Forbidden');
  assert.equal(refused.message, 'pods "late" is forbidden: unable to create new content in namespace doomed because it is being terminated');
  const builtin = await apiError(client.delete('namespaces', '', 'default'));
  assert.equal(builtin.message, 'namespaces "default" is forbidden: this namespace may not be deleted');
  // What the namespace controller does: empty it, then clear the kubernetes finalizer.
  await client.delete('pods', 'doomed', 'inside');
  const current = await client.get<Namespace>('namespaces', '', 'doomed');
  await client.update('namespaces', { ...current, spec: { finalizers: [] } }, { subresource: 'finalize' });
  assert.equal((await apiError(client.get('namespaces', '', 'doomed'))).reason, 'NotFound');
  assert.equal(await admin.get('/registry/namespaces/doomed'), undefined);
});

test('a watch resumes from a list resourceVersion', async () => {
  await client.create('pods', pod('w-before', { w: 'resume' }));
  const list = await client.list('pods', { labelSelector: 'w=resume' });
  await client.create('pods', pod('w-after', { w: 'resume' }));
  const w = client.watch<Pod>('pods', { labelSelector: 'w=resume', resourceVersion: list.metadata.resourceVersion ?? '' });
  const r = reader(w);
  const ev = await r.next((e) => e.object.metadata.name === 'w-after', 'ADDED w-after');
  assert.equal(ev.type, 'ADDED');
  await client.delete('pods', 'default', 'w-before');
  const del = await r.next((e) => e.type === 'DELETED', 'DELETED w-before');
  assert.equal(del.object.metadata.name, 'w-before');
  assert.ok(!r.seen.some((e) => e.object.metadata.name === 'w-before' && e.type === 'ADDED'), 'nothing before the list revision is replayed');
  w.close();
  await r.done;
});

test('a compacted revision answers 410 Expired', async () => {
  const old = await client.create('pods', pod('compact-me'));
  for (let i = 0; i < 30; i++) await client.patch('pods', 'default', 'compact-me', { metadata: { labels: { i: String(i) } } });
  await admin.compact(await admin.revision());
  const w = client.watch<Pod>('pods', { resourceVersion: old.metadata.resourceVersion ?? '' });
  const r = reader(w);
  await r.done;
  const err = r.failure();
  assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
  assert.equal(err.code, 410);
  assert.equal(err.reason, 'Expired');
});

test('etcd restarted: Unavailable meanwhile, then recovery without restarting the apiserver; watches see later changes', async () => {
  const list = await client.list('pods');
  const w = client.watch<Pod>('pods', { labelSelector: 'phase=after-restart', resourceVersion: list.metadata.resourceVersion ?? '', allowBookmarks: true });
  const r = reader(w);

  await etcd.kill();
  const down = await apiError(client.get('namespaces', '', 'default'));
  assert.equal(down.reason, 'ServiceUnavailable');
  const write = await apiError(client.create('pods', pod('during-outage')));
  assert.equal(write.reason, 'ServiceUnavailable');
  const ready = await fetch(`http://127.0.0.1:${server.httpPort}/readyz`);
  assert.equal(ready.status, 503);
  assert.match(await ready.text(), /\[-\]etcd failed/);

  await etcd.restart();
  await untilAvailable(() => client.get('namespaces', '', 'default'), 30_000);
  await client.create('pods', pod('after-restart', { phase: 'after-restart' }));
  let seen: WatchEvent<Pod> | undefined;
  try {
    seen = await r.next((e) => e.object.metadata.name === 'after-restart', 'the change after the restart on the open watch', 20_000);
  } catch (e) {
    // The open watch may have ended with 410 (the watch cache restarts when etcd compacted what it
    // missed): an informer then relists and watches again, which must see the change.
    if (!r.ended()) throw e;
    const w2 = client.watch<Pod>('pods', { labelSelector: 'phase=after-restart', resourceVersion: '0' });
    const r2 = reader(w2);
    seen = await r2.next((ev) => ev.object.metadata.name === 'after-restart', 'the change on a re-established watch');
    w2.close();
  }
  assert.equal(seen.type, 'ADDED');
  const readyAgain = await fetch(`http://127.0.0.1:${server.httpPort}/readyz`);
  assert.equal(readyAgain.status, 200);
  w.close();
  await r.done;
});
