// PATCH over HTTPS in each Content-Type: merge, strategic merge (lists by their keys), JSON patch;
// patches that do not apply are 422 naming the field; apply goes to its extension.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRestTestServer, type RestTestServer } from './testing/rest-test-server.js';
import type { ApplyPatchRequest } from './extensions.js';

let s: RestTestServer;
const applied: ApplyPatchRequest[] = [];

before(async () => {
  s = await startRestTestServer({
    extensions: {
      applyPatch: async (req) => {
        applied.push(req);
        return { object: await req.store.get(req.namespace, req.name), created: false };
      },
    },
  });
});
after(async () => {
  await s.stop();
});

const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

type Deploy = { metadata: { labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion: string }; spec: { replicas: number; template: { spec: { containers: { name: string; image: string; env?: { name: string; value: string }[] }[] } } } };

async function createDeployment(name: string): Promise<Deploy> {
  const r = await s.request('POST', DEPLOYS, {
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels: { app: name } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              { name: 'web', image: 'skiff/demo-web:v1', env: [{ name: 'A', value: '1' }] },
              { name: 'side', image: 'skiff/busybox:latest' },
            ],
          },
        },
      },
    },
  });
  assert.equal(r.status, 201, r.text);
  return r.json() as unknown as Deploy;
}

async function patch(name: string, type: string, body: unknown): Promise<{ status: number; json: () => Record<string, unknown>; text: string }> {
  return s.request('PATCH', `${DEPLOYS}/${name}`, { body: JSON.stringify(body), contentType: type });
}

test('merge patch sets and removes fields; a list is replaced whole', async () => {
  await createDeployment('mp');
  const r = await patch('mp', 'application/merge-patch+json', { metadata: { labels: { tier: 'web', app: null } } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual((r.json() as unknown as Deploy).metadata.labels, { tier: 'web' });
  const list = await patch('mp', 'application/merge-patch+json', { spec: { template: { spec: { containers: [{ name: 'only', image: 'skiff/busybox:latest' }] } } } });
  assert.equal(list.status, 200, list.text);
  assert.deepEqual((list.json() as unknown as Deploy).spec.template.spec.containers.map((c) => c.name), ['only']);
});

test('strategic merge patch merges containers by name and honours $setElementOrder', async () => {
  await createDeployment('smp');
  const r = await patch('smp', 'application/strategic-merge-patch+json', {
    spec: { template: { spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v2' }] } } },
  });
  assert.equal(r.status, 200, r.text);
  const containers = (r.json() as unknown as Deploy).spec.template.spec.containers;
  assert.deepEqual(containers.map((c) => [c.name, c.image]), [
    ['web', 'skiff/demo-web:v2'],
    ['side', 'skiff/busybox:latest'],
  ]);
  assert.deepEqual(containers[0]?.env, [{ name: 'A', value: '1' }], 'fields the patch does not name stay');
  const ordered = await patch('smp', 'application/strategic-merge-patch+json', {
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'web' }], containers: [{ name: 'side', image: 'skiff/busybox:v2' }] } } },
  });
  assert.equal(ordered.status, 200, ordered.text);
  assert.deepEqual((ordered.json() as unknown as Deploy).spec.template.spec.containers.map((c) => c.name), ['side', 'web']);
  const deleted = await patch('smp', 'application/strategic-merge-patch+json', { spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } } });
  assert.deepEqual((deleted.json() as unknown as Deploy).spec.template.spec.containers.map((c) => c.name), ['web']);
});

test('a strategic merge patch that does not apply is 422 naming the field, and changes nothing', async () => {
  const before = await createDeployment('smp-bad');
  const r = await patch('smp-bad', 'application/strategic-merge-patch+json', { spec: { template: { spec: { containers: [{ image: 'no-name' }] } } } });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json()['reason'], 'Invalid');
  const causes = (r.json()['details'] as { causes: { field: string }[] }).causes;
  assert.match(causes[0]?.field ?? '', /^spec\.template\.spec\.containers/);
  const after = (await s.request('GET', `${DEPLOYS}/smp-bad`)).json() as unknown as Deploy;
  assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
});

test('JSON patch applies operations in order; a failing op is 422 with its path and changes nothing', async () => {
  const before = await createDeployment('jp');
  const ok = await patch('jp', 'application/json-patch+json', [
    { op: 'replace', path: '/spec/replicas', value: 3 },
    { op: 'add', path: '/metadata/labels/extra', value: 'yes' },
    { op: 'test', path: '/spec/replicas', value: 3 },
  ]);
  assert.equal(ok.status, 200, ok.text);
  const got = ok.json() as unknown as Deploy;
  assert.equal(got.spec.replicas, 3);
  assert.equal(got.metadata.labels?.['extra'], 'yes');

  const bad = await patch('jp', 'application/json-patch+json', [
    { op: 'replace', path: '/spec/replicas', value: 5 },
    { op: 'replace', path: '/spec/template/spec/containers/7/image', value: 'x' },
  ]);
  assert.equal(bad.status, 422, bad.text);
  const causes = (bad.json()['details'] as { causes: { field: string }[] }).causes;
  assert.equal(causes[0]?.field, 'spec.template.spec.containers[7].image');
  assert.match(String(bad.json()['message']), /replace operation does not apply/);
  assert.equal(((await s.request('GET', `${DEPLOYS}/jp`)).json() as unknown as Deploy).spec.replicas, 3, 'no operation of a failed patch is kept');
  assert.ok(before);

  const failedTest = await patch('jp', 'application/json-patch+json', [{ op: 'test', path: '/spec/replicas', value: 99 }]);
  assert.equal(failedTest.status, 422);
  assert.equal((await patch('jp', 'application/json-patch+json', { op: 'add' })).status, 400, 'not a list of operations');
});

test('a patch naming a stale resourceVersion is 409; malformed patches are 400; unknown fields are refused', async () => {
  const d = await createDeployment('pc');
  await patch('pc', 'application/merge-patch+json', { metadata: { labels: { bump: '1' } } });
  const stale = await patch('pc', 'application/merge-patch+json', { metadata: { resourceVersion: d.metadata.resourceVersion, labels: { x: 'y' } } });
  assert.equal(stale.status, 409);
  const malformed = await s.request('PATCH', `${DEPLOYS}/pc`, { body: '{"spec":', contentType: 'application/merge-patch+json' });
  assert.equal(malformed.status, 400);
  const unknown = await patch('pc', 'application/merge-patch+json', { spec: { bogus: true } });
  assert.equal(unknown.status, 400);
  assert.match(String(unknown.json()['message']), /unknown field "spec\.bogus"/);
  const warned = await s.request('PATCH', `${DEPLOYS}/pc?fieldValidation=Warn`, { body: JSON.stringify({ spec: { bogus: true } }), contentType: 'application/merge-patch+json' });
  assert.equal(warned.status, 200);
  assert.equal(warned.headers['warning'], '299 - "unknown field \\"spec.bogus\\""');
  assert.equal((await patch('missing', 'application/merge-patch+json', {})).status, 404);
});

test('other Content-Types are 415; apply-patch goes to the apply extension with its options', async () => {
  await createDeployment('ap');
  const r = await patch('ap', 'application/json', { spec: {} });
  assert.equal(r.status, 415);
  assert.equal(r.json()['reason'], 'UnsupportedMediaType');
  const noManager = await s.request('PATCH', `${DEPLOYS}/ap`, { body: 'spec: {}', contentType: 'application/apply-patch+yaml' });
  assert.equal(noManager.status, 400, 'apply needs a fieldManager');
  const ok = await s.request('PATCH', `${DEPLOYS}/ap?fieldManager=kubectl&force=true&fieldValidation=Strict`, { body: 'spec: {}', contentType: 'application/apply-patch+yaml' });
  assert.equal(ok.status, 200, ok.text);
  const req = applied.at(-1);
  assert.deepEqual([req?.name, req?.namespace, req?.fieldManager, req?.force, req?.dryRun, req?.fieldValidation, req?.body.toString()], ['ap', 'default', 'kubectl', true, false, 'Strict', 'spec: {}']);
});

test('without the apply extension, apply-patch is 415 naming the types served', async () => {
  const plain = await startRestTestServer({ extensions: {} });
  try {
    const r = await plain.request('PATCH', `${DEPLOYS}/x?fieldManager=kubectl`, { body: '{}', contentType: 'application/apply-patch+yaml' });
    assert.equal(r.status, 415);
    assert.match(String(r.json()['message']), /application\/strategic-merge-patch\+json/);
  } finally {
    await plain.stop();
  }
});
