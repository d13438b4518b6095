// Resource paths over HTTPS: create, get, update, list with selectors and pages, delete with
// options, dryRun, fieldValidation and the status, scale, binding and eviction subresources.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRestTestServer, type RestTestServer } from './testing/rest-test-server.js';

let s: RestTestServer;
before(async () => {
  s = await startRestTestServer();
});
after(async () => {
  await s.stop();
});

const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'skiff/busybox:latest' }] },
});

const deployment = (name: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] } } },
});

type Obj = { metadata: { name: string; namespace?: string; resourceVersion: string; labels?: Record<string, string>; deletionTimestamp?: string; uid?: string }; spec?: Record<string, unknown>; status?: Record<string, unknown> };

async function create(path: string, body: object): Promise<Obj> {
  const r = await s.request('POST', path, { body });
  assert.equal(r.status, 201, r.text);
  return r.json() as unknown as Obj;
}

test('create answers 201 with the stored object; a taken name is 409 AlreadyExists', async () => {
  const created = await create(PODS, pod('crud-a'));
  assert.equal(created.metadata.namespace, 'default');
  assert.ok(created.metadata.resourceVersion);
  const again = await s.request('POST', PODS, { body: pod('crud-a') });
  assert.equal(again.status, 409);
  assert.equal(again.json()['reason'], 'AlreadyExists');
  const got = await s.request('GET', `${PODS}/crud-a`);
  assert.equal(got.status, 200);
  assert.equal((got.json() as unknown as Obj).metadata.uid, created.metadata.uid);
});

test('generateName makes a name; YAML bodies are accepted', async () => {
  const gen = await create(PODS, { ...pod(''), metadata: { generateName: 'gen-' } });
  assert.match(gen.metadata.name, /^gen-[a-z0-9]{5}$/);
  const r = await s.request('POST', '/api/v1/namespaces/default/configmaps', { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n', contentType: 'application/yaml' });
  assert.equal(r.status, 201, r.text);
});

test('validation errors are 422 Invalid with the field', async () => {
  const r = await s.request('POST', PODS, { body: { ...pod('bad'), spec: { containers: [{ name: 'c' }] } } });
  assert.equal(r.status, 422);
  const causes = (r.json()['details'] as { causes: { field: string }[] }).causes;
  assert.ok(causes.some((c) => c.field === 'spec.containers[0].image'), JSON.stringify(causes));
});

test('update with a stale resourceVersion is 409 Conflict; with the current one it writes', async () => {
  const created = await create(PODS, pod('crud-u'));
  const fresh = { ...created, metadata: { ...created.metadata, labels: { v: '2' } } };
  const ok = await s.request('PUT', `${PODS}/crud-u`, { body: fresh });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual((ok.json() as unknown as Obj).metadata.labels, { v: '2' });
  const stale = await s.request('PUT', `${PODS}/crud-u`, { body: { ...fresh, metadata: { ...fresh.metadata, labels: { v: '3' } } } });
  assert.equal(stale.status, 409);
  assert.equal(stale.json()['reason'], 'Conflict');
});

test('list filters by label and field selectors, across namespaces, in pages', async () => {
  await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  for (const n of ['l1', 'l2', 'l3']) await create(PODS, pod(n, { tier: 'list' }));
  await create('/api/v1/namespaces/other/pods', pod('l4', { tier: 'list' }));
  const names = async (path: string): Promise<string[]> => {
    const r = await s.request('GET', path);
    assert.equal(r.status, 200, r.text);
    return (r.json()['items'] as Obj[]).map((o) => `${o.metadata.namespace}/${o.metadata.name}`).sort();
  };
  assert.deepEqual(await names(`${PODS}?labelSelector=tier%3Dlist`), ['default/l1', 'default/l2', 'default/l3']);
  assert.deepEqual(await names('/api/v1/pods?labelSelector=tier%3Dlist'), ['default/l1', 'default/l2', 'default/l3', 'other/l4']);
  assert.deepEqual(await names(`/api/v1/pods?fieldSelector=metadata.name%3Dl4`), ['other/l4']);
  assert.equal((await s.request('GET', `${PODS}?labelSelector=tier%3D%3D%3D`)).status, 400, 'a malformed selector');

  const first = (await s.request('GET', '/api/v1/pods?labelSelector=tier%3Dlist&limit=3')).json();
  assert.equal(first['kind'], 'PodList');
  assert.equal((first['items'] as Obj[]).length, 3);
  const meta = first['metadata'] as { continue?: string; resourceVersion: string };
  assert.ok(meta.continue);
  const rest = (await s.request('GET', `/api/v1/pods?labelSelector=tier%3Dlist&limit=3&continue=${encodeURIComponent(meta.continue)}`)).json();
  assert.equal((rest['items'] as Obj[]).length, 1);
  assert.equal((rest['metadata'] as { continue?: string }).continue, undefined);
});

test('delete: a pod answers the object, a ConfigMap a Success Status; 404 after', async () => {
  await create(PODS, pod('del-p'));
  const p = await s.request('DELETE', `${PODS}/del-p`, { body: { propagationPolicy: 'Background' } });
  assert.equal(p.status, 200);
  assert.equal(p.json()['kind'], 'Pod');
  await create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'del-cm' } });
  const cm = await s.request('DELETE', '/api/v1/namespaces/default/configmaps/del-cm?propagationPolicy=Foreground');
  assert.equal(cm.status, 200);
  // Foreground keeps the object (with a finalizer) until the garbage collector is done.
  assert.equal(cm.json()['kind'], 'ConfigMap');
  assert.ok((cm.json() as unknown as Obj).metadata.deletionTimestamp);
  await create('/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'del-cm2' } });
  const gone = await s.request('DELETE', '/api/v1/namespaces/default/configmaps/del-cm2');
  assert.deepEqual({ ...gone.json(), details: { ...(gone.json()['details'] as object), uid: 'x' } }, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    code: 200,
    details: { name: 'del-cm2', group: '', kind: 'configmaps', uid: 'x' },
  });
  assert.equal((await s.request('GET', '/api/v1/namespaces/default/configmaps/del-cm2')).status, 404);
  const bad = await s.request('DELETE', `${PODS}/whatever`, { body: { propagationPolicy: 'Sideways' } });
  assert.equal(bad.status, 422);
  const pre = await create(PODS, pod('del-pre'));
  const conflict = await s.request('DELETE', `${PODS}/del-pre`, { body: { preconditions: { resourceVersion: '1' } } });
  assert.equal(conflict.status, 409);
  assert.equal((await s.request('GET', `${PODS}/del-pre`)).status, 200);
  assert.ok(pre);
});

test('deletecollection deletes what the selector matches', async () => {
  for (const n of ['dc1', 'dc2']) await create(PODS, pod(n, { batch: 'dc' }));
  await create(PODS, pod('dc3', { batch: 'keep' }));
  const r = await s.request('DELETE', `${PODS}?labelSelector=batch%3Ddc`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual((r.json()['items'] as Obj[]).map((o) => o.metadata.name).sort(), ['dc1', 'dc2']);
  const left = (await s.request('GET', `${PODS}?labelSelector=batch`)).json()['items'] as Obj[];
  assert.deepEqual(left.map((o) => o.metadata.name), ['dc3']);
});

test('dryRun=All validates and admits but stores nothing', async () => {
  const r = await s.request('POST', `${PODS}?dryRun=All`, { body: pod('dry') });
  assert.equal(r.status, 201);
  assert.equal((r.json() as unknown as Obj).metadata.name, 'dry');
  assert.equal((await s.request('GET', `${PODS}/dry`)).status, 404);
  const invalid = await s.request('POST', `${PODS}?dryRun=All`, { body: { ...pod('dry2'), spec: { containers: [] } } });
  assert.equal(invalid.status, 422, 'dry runs validate');

  const real = await create(PODS, pod('dry3', { a: '1' }));
  const put = await s.request('PUT', `${PODS}/dry3?dryRun=All`, { body: { ...real, metadata: { ...real.metadata, labels: { a: '2' } } } });
  assert.equal(put.status, 200);
  assert.deepEqual((put.json() as unknown as Obj).metadata.labels, { a: '2' });
  const patched = await s.request('PATCH', `${PODS}/dry3?dryRun=All`, { body: { metadata: { labels: { a: '3' } } }, contentType: 'application/merge-patch+json' });
  assert.equal(patched.status, 200);
  const del = await s.request('DELETE', `${PODS}/dry3?dryRun=All`);
  assert.equal(del.status, 200);
  const stored = (await s.request('GET', `${PODS}/dry3`)).json() as unknown as Obj;
  assert.deepEqual(stored.metadata.labels, { a: '1' });
  assert.equal(stored.metadata.resourceVersion, real.metadata.resourceVersion);
  assert.equal((await s.request('POST', `${PODS}?dryRun=Some`, { body: pod('dry4') })).status, 422);
});

test('fieldValidation: Strict refuses unknown fields, Warn drops them with a warning, Ignore drops them', async () => {
  const withUnknown = (name: string) => ({ ...pod(name), spec: { ...pod(name).spec, foo: 1 } });
  const strict = await s.request('POST', `${PODS}?fieldValidation=Strict`, { body: withUnknown('fv-s') });
  assert.equal(strict.status, 400);
  assert.match(String(strict.json()['message']), /unknown field "spec\.foo"/);
  const warn = await s.request('POST', `${PODS}?fieldValidation=Warn&fieldManager=kubectl-create`, { body: withUnknown('fv-w') });
  assert.equal(warn.status, 201, warn.text);
  assert.equal(warn.headers['warning'], '299 - "unknown field \\"spec.foo\\""');
  assert.equal((warn.json() as unknown as Obj).spec?.['foo'], undefined);
  const ignore = await s.request('POST', `${PODS}?fieldValidation=Ignore`, { body: withUnknown('fv-i') });
  assert.equal(ignore.status, 201);
  assert.equal(ignore.headers['warning'], undefined);
  assert.equal((await s.request('POST', `${PODS}?fieldValidation=Loose`, { body: pod('fv-x') })).status, 400);
});

test('the scale subresource: GET, PUT without a Content-Type, merge PATCH', async () => {
  await create(DEPLOYS, deployment('sc', 1));
  const scale = await s.request('GET', `${DEPLOYS}/sc/scale`);
  assert.equal(scale.status, 200);
  const body = scale.json() as { kind: string; apiVersion: string; spec: { replicas: number }; status: { selector: string }; metadata: { resourceVersion: string } };
  assert.deepEqual([body.kind, body.apiVersion, body.spec.replicas, body.status.selector], ['Scale', 'autoscaling/v1', 1, 'app=sc']);
  const put = await s.request('PUT', `${DEPLOYS}/sc/scale`, { body: JSON.stringify({ ...body, spec: { replicas: 4 } }) });
  assert.equal(put.status, 200, put.text);
  assert.equal((put.json() as { spec: { replicas: number } }).spec.replicas, 4);
  const patch = await s.request('PATCH', `${DEPLOYS}/sc/scale`, { body: { spec: { replicas: 2 } }, contentType: 'application/merge-patch+json' });
  assert.equal(patch.status, 200, patch.text);
  assert.equal(((await s.request('GET', `${DEPLOYS}/sc`)).json() as { spec: { replicas: number } }).spec.replicas, 2);
  assert.equal((await s.request('GET', `${PODS}/x/scale`)).status, 404, 'pods have no scale');
});

test('the status subresource writes only status; the main resource ignores status', async () => {
  await create(DEPLOYS, deployment('st'));
  const current = (await s.request('GET', `${DEPLOYS}/st`)).json() as unknown as Obj;
  const r = await s.request('PUT', `${DEPLOYS}/st/status`, { body: { ...current, spec: { ...current.spec, replicas: 9 }, status: { replicas: 1, observedGeneration: 1 } } });
  assert.equal(r.status, 200, r.text);
  const after = (await s.request('GET', `${DEPLOYS}/st/status`)).json() as unknown as Obj;
  assert.equal(after.status?.['replicas'], 1);
  assert.equal(after.spec?.['replicas'], 1, 'spec is not written through status');
  const patched = await s.request('PATCH', `${DEPLOYS}/st/status`, { body: { status: { replicas: 2 } }, contentType: 'application/merge-patch+json' });
  assert.equal(patched.status, 200, patched.text);
  assert.equal((patched.json() as unknown as Obj).status?.['replicas'], 2);
});

test('binding assigns a node; eviction deletes the pod', async () => {
  await create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'rest-node' } });
  await create(PODS, pod('bind-me'));
  const bind = await s.request('POST', `${PODS}/bind-me/binding`, { body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me' }, target: { kind: 'Node', name: 'rest-node' } } });
  assert.equal(bind.status, 201, bind.text);
  assert.equal(bind.json()['status'], 'Success');
  const bound = (await s.request('GET', `${PODS}/bind-me`)).json() as { spec: { nodeName: string } };
  assert.equal(bound.spec.nodeName, 'rest-node');

  await create(PODS, pod('evict-me'));
  const ev = await s.request('POST', `${PODS}/evict-me/eviction`, { body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'evict-me' } } });
  assert.equal(ev.status, 201, ev.text);
  assert.equal((await s.request('GET', `${PODS}/evict-me`)).status, 404);
});

test('exec without the streams extension asks for an upgrade; log of an unscheduled pod is 400', async () => {
  await create(PODS, pod('stream-me'));
  const exec = await s.request('POST', `${PODS}/stream-me/exec?command=ls`);
  assert.equal(exec.status, 400);
  assert.match(String(exec.json()['message']), /Upgrade request required/);
  const log = await s.request('GET', `${PODS}/stream-me/log`);
  assert.equal(log.status, 400);
  assert.match(String(log.json()['message']), /does not have a host assigned/);
});
