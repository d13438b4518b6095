// Discovery over HTTPS: the legacy documents and aggregated discovery list every kind of RESOURCES
// with its verbs, short names, categories and subresources.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { apiVersionOf, RESOURCES } from '@skiff/api';
import { SERVED_RESOURCES } from './paths.js';
import { startRestTestServer, type RestTestServer } from './testing/rest-test-server.js';

let s: RestTestServer;
before(async () => {
  s = await startRestTestServer();
});
after(async () => {
  await s.stop();
});

interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  group?: string;
  version?: string;
}

async function resourceList(gv: string): Promise<ApiResource[]> {
  const r = await s.request('GET', gv === 'v1' ? '/api/v1' : `/apis/${gv}`);
  assert.equal(r.status, 200, gv);
  const body = r.json();
  assert.equal(body['kind'], 'APIResourceList');
  assert.equal(body['groupVersion'], gv);
  return body['resources'] as ApiResource[];
}

test('/api and /apis list the served versions and groups', async () => {
  const api = (await s.request('GET', '/api')).json();
  assert.equal(api['kind'], 'APIVersions');
  assert.deepEqual(api['versions'], ['v1']);
  const apis = (await s.request('GET', '/apis')).json();
  assert.equal(apis['kind'], 'APIGroupList');
  const groups = (apis['groups'] as { name: string; preferredVersion: { groupVersion: string } }[]).map((g) => [g.name, g.preferredVersion.groupVersion]);
  // RESOURCES' groups and the converted views' (events.k8s.io).
  const expected = [...new Set(SERVED_RESOURCES.filter((r) => r.group !== '').map(apiVersionOf))].map((gv) => [gv.split('/')[0], gv]);
  assert.deepEqual(groups.sort(), expected.sort());
  const apps = (await s.request('GET', '/apis/apps')).json();
  assert.equal(apps['kind'], 'APIGroup');
  assert.deepEqual(apps['versions'], [{ groupVersion: 'apps/v1', version: 'v1' }]);
});

test('every kind of RESOURCES is in its group-version with its verbs and short names', async () => {
  for (const info of RESOURCES) {
    const list = await resourceList(apiVersionOf(info));
    const r = list.find((x) => x.name === info.resource);
    assert.ok(r, info.resource);
    assert.equal(r.kind, info.kind);
    assert.equal(r.singularName, info.singular);
    assert.equal(r.namespaced, info.namespaced);
    assert.deepEqual(r.verbs, ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']);
    assert.deepEqual(r.shortNames ?? [], info.shortNames);
  }
});

test('subresources and categories are what kubectl needs', async () => {
  const core = await resourceList('v1');
  const names = core.map((r) => r.name);
  for (const sub of ['pods/status', 'pods/log', 'pods/exec', 'pods/portforward', 'pods/binding', 'pods/eviction', 'services/status', 'namespaces/finalize', 'namespaces/status', 'nodes/status']) {
    assert.ok(names.includes(sub), sub);
  }
  assert.deepEqual(core.find((r) => r.name === 'pods/log')?.verbs, ['get']);
  assert.deepEqual(core.find((r) => r.name === 'pods')?.categories, ['all']);
  assert.deepEqual(core.find((r) => r.name === 'services')?.categories, ['all']);
  assert.equal(core.find((r) => r.name === 'configmaps')?.categories, undefined);
  const eviction = core.find((r) => r.name === 'pods/eviction');
  assert.deepEqual([eviction?.group, eviction?.version, eviction?.kind], ['policy', 'v1', 'Eviction']);

  const apps = await resourceList('apps/v1');
  const scale = apps.find((r) => r.name === 'deployments/scale');
  assert.deepEqual(scale, { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  assert.ok(apps.some((r) => r.name === 'replicasets/scale'));
  assert.ok(apps.some((r) => r.name === 'deployments/status'));
  assert.deepEqual(apps.find((r) => r.name === 'deployments')?.categories, ['all']);
  assert.ok((await resourceList('networking.k8s.io/v1')).some((r) => r.name === 'ingresses/status'));
});

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

test('aggregated discovery answers with its exact Content-Type and every resource', async () => {
  const accept = `${AGGREGATED},application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json`;
  const core = await s.request('GET', '/api', { accept });
  assert.equal(core.status, 200);
  assert.equal(core.headers['content-type'], AGGREGATED);
  const list = core.json();
  assert.equal(list['kind'], 'APIGroupDiscoveryList');
  assert.equal(list['apiVersion'], 'apidiscovery.k8s.io/v2');
  type Item = { metadata: { name: string }; versions: { version: string; freshness: string; resources: { resource: string; scope: string; singularResource: string; responseKind: { kind: string }; subresources?: { subresource: string; responseKind: { group: string; kind: string } }[] }[] }[] };
  const items = list['items'] as Item[];
  assert.deepEqual(items.map((i) => i.metadata.name), ['']);
  const pods = items[0]?.versions[0]?.resources.find((r) => r.resource === 'pods');
  assert.equal(pods?.scope, 'Namespaced');
  assert.equal(pods?.singularResource, 'pod');
  assert.ok(pods?.subresources?.some((x) => x.subresource === 'log'));
  assert.equal(items[0]?.versions[0]?.freshness, 'Current');

  const groups = (await s.request('GET', '/apis', { accept })).json()['items'] as Item[];
  const served = new Set(groups.flatMap((g) => g.versions.flatMap((v) => v.resources.map((r) => `${g.metadata.name}/${r.resource}`))));
  for (const info of RESOURCES.filter((r) => r.group !== '')) assert.ok(served.has(`${info.group}/${info.resource}`), info.resource);
  const deploy = groups.find((g) => g.metadata.name === 'apps')?.versions[0]?.resources.find((r) => r.resource === 'deployments');
  assert.deepEqual(deploy?.subresources?.find((x) => x.subresource === 'scale')?.responseKind, { group: 'autoscaling', version: 'v1', kind: 'Scale' });

  const plain = await s.request('GET', '/api', { accept: 'application/json' });
  assert.equal(plain.headers['content-type'], 'application/json', 'plain JSON when aggregated discovery is not asked for');
});
