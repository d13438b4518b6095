import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { KubeObject } from '@skiff/api';
import type { Schema } from '../../registry/schema.js';
import type { Strategy } from '../../registry/strategy.js';
import { STRATEGIES } from '../../registry/strategies/index.js';
import { groupVersionKey, openApiDocument, openApiEntry, openApiIndex } from './document.js';
import { openApiHandler } from './handler.js';
import { definitionName } from './names.js';

type Json = Record<string, unknown>;
interface Doc {
  openapi: string;
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

const strategies: Strategy<KubeObject>[] = [...STRATEGIES.values()];
const docOf = (s: Strategy<KubeObject>): Doc => {
  const d = openApiDocument(groupVersionKey(s.info));
  assert.ok(d, groupVersionKey(s.info));
  return JSON.parse(JSON.stringify(d)) as Doc;
};

/** Follows `$ref` and single-element `allOf` to the schema they name. */
function resolve(doc: Doc, s: Json): Json {
  let cur = s;
  for (;;) {
    const r = cur['$ref'];
    if (typeof r === 'string') {
      const target = doc.components.schemas[r.replace('#/components/schemas/', '')];
      assert.ok(target, `dangling ${r}`);
      cur = target;
      continue;
    }
    const all = cur['allOf'];
    if (Array.isArray(all) && all.length === 1) {
      cur = all[0] as Json;
      continue;
    }
    return cur;
  }
}

/** Asserts the OpenAPI schema accepts exactly the fields and JSON types the registry schema does. */
function assertSameShape(doc: Doc, reg: Schema, api: Json, path: string): void {
  const s = resolve(doc, api);
  switch (reg.type) {
    case 'object': {
      assert.equal(s['type'], 'object', path);
      const props = (s['properties'] ?? {}) as Record<string, Json>;
      assert.deepEqual(Object.keys(props).sort(), Object.keys(reg.fields).sort(), path);
      assert.deepEqual(s['required'] ?? [], reg.required ?? [], `${path}: required`);
      for (const [k, f] of Object.entries(reg.fields)) {
        const p = props[k];
        assert.ok(p);
        assertSameShape(doc, f, p, `${path}.${k}`);
      }
      return;
    }
    case 'array':
      assert.equal(s['type'], 'array', path);
      assertSameShape(doc, reg.items, s['items'] as Json, `${path}[]`);
      return;
    case 'map':
      assert.equal(s['type'], 'object', path);
      assertSameShape(doc, reg.values, s['additionalProperties'] as Json, `${path}{}`);
      return;
    case 'intOrString':
      assert.equal(s['x-kubernetes-int-or-string'], true, path);
      return;
    case 'quantity':
      assert.deepEqual([s['format'], s['oneOf']], ['quantity', [{ type: 'string' }, { type: 'number' }]], path);
      return;
    case 'any':
      assert.equal(s['x-kubernetes-preserve-unknown-fields'], true, path);
      return;
    default:
      assert.equal(s['type'], reg.type, path);
  }
}

test('the index names one document per served group-version, with its hash', () => {
  const index = openApiIndex();
  // Every strategy's group-version, and events.k8s.io/v1 (a view of core/v1 Events, rest/events-v1.ts).
  const keys = new Set([...strategies.map((s) => groupVersionKey(s.info)), 'apis/events.k8s.io/v1']);
  assert.deepEqual(Object.keys(index.paths).sort(), [...keys].sort());
  assert.ok(keys.has('api/v1') && keys.has('apis/apps/v1'));
  for (const [key, { serverRelativeURL }] of Object.entries(index.paths)) {
    const entry = openApiEntry(key);
    assert.ok(entry);
    assert.equal(serverRelativeURL, `/openapi/v3/${key}?hash=${entry.hash}`);
    assert.match(entry.hash, /^[0-9A-F]{128}$/);
  }
  // Stable: asking again gives the same documents and hashes.
  assert.deepEqual(openApiIndex(), index);
  assert.equal(openApiDocument('apps/v1'), openApiDocument('apis/apps/v1'));
  assert.equal(openApiDocument('apis/nope/v1'), undefined);
});

test('every kind is a component with its GVK, of exactly the registry schema', () => {
  for (const s of strategies) {
    const doc = docOf(s);
    assert.equal(doc.openapi, '3.0.0');
    const name = definitionName(s.info);
    const schema = doc.components.schemas[name];
    assert.ok(schema, name);
    assert.deepEqual(schema['x-kubernetes-group-version-kind'], [{ group: s.info.group, version: s.info.version, kind: s.info.kind }], name);
    assert.ok(typeof schema['description'] === 'string' && schema['description'].length > 0, `${name} has a description`);
    assertSameShape(doc, s.schema, schema, s.info.kind);
    const list = doc.components.schemas[`${name}List`];
    assert.deepEqual(list?.['x-kubernetes-group-version-kind'], [{ group: s.info.group, version: s.info.version, kind: `${s.info.kind}List` }]);
  }
});

test('every $ref in every document resolves inside it', () => {
  for (const key of Object.keys(openApiIndex().paths)) {
    const doc = JSON.parse(JSON.stringify(openApiDocument(key))) as Doc;
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref') assert.ok(doc.components.schemas[String(x).replace('#/components/schemas/', '')], `${key}: ${String(x)}`);
          else walk(x);
        }
      }
    };
    walk(doc);
  }
});

test('every resource path has its operations with GVK, action and the write parameters kubectl looks for', () => {
  for (const s of strategies) {
    const doc = docOf(s);
    const root = s.info.group === '' ? `/api/${s.info.version}` : `/apis/${s.info.group}/${s.info.version}`;
    const coll = s.info.namespaced ? `${root}/namespaces/{namespace}/${s.info.resource}` : `${root}/${s.info.resource}`;
    const gvk = { group: s.info.group, version: s.info.version, kind: s.info.kind };
    const expect: [string, string, string][] = [
      [coll, 'get', 'list'],
      [coll, 'post', 'post'],
      [coll, 'delete', 'deletecollection'],
      [`${coll}/{name}`, 'get', 'get'],
      [`${coll}/{name}`, 'put', 'put'],
      [`${coll}/{name}`, 'patch', 'patch'],
      [`${coll}/{name}`, 'delete', 'delete'],
    ];
    if (s.hasStatusSubresource) expect.push([`${coll}/{name}/status`, 'patch', 'patch']);
    for (const [path, method, action] of expect) {
      const o = doc.paths[path]?.[method];
      assert.ok(o, `${method} ${path}`);
      assert.deepEqual(o['x-kubernetes-group-version-kind'], gvk, `${method} ${path}`);
      assert.equal(o['x-kubernetes-action'], action);
      if (['post', 'put', 'patch'].includes(method)) {
        const names = (o['parameters'] as { name: string; in: string }[]).filter((p) => p.in === 'query').map((p) => p.name);
        for (const want of ['fieldValidation', 'dryRun', 'fieldManager']) assert.ok(names.includes(want), `${method} ${path} ${want}`);
      }
    }
  }
  const apps = openApiDocument('apis/apps/v1') as Doc;
  assert.deepEqual(apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']?.['patch']?.['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
});

test('Deployment.spec.strategy: retainKeys, the two fields Skiff accepts, int-or-string surge', () => {
  const doc = openApiDocument('apis/apps/v1') as Doc;
  const spec = resolve(doc, (doc.components.schemas['io.k8s.api.apps.v1.Deployment']?.['properties'] as Record<string, Json>)['spec'] ?? {});
  const strategy = (spec['properties'] as Record<string, Json>)['strategy'] ?? {};
  assert.equal(strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  const resolved = resolve(doc, strategy);
  assert.deepEqual(Object.keys(resolved['properties'] as Json).sort(), ['rollingUpdate', 'type']);
  const ru = resolve(doc, (resolved['properties'] as Record<string, Json>)['rollingUpdate'] ?? {});
  const surge = resolve(doc, (ru['properties'] as Record<string, Json>)['maxSurge'] ?? {});
  assert.equal(surge['x-kubernetes-int-or-string'], true);
  assert.equal(typeof spec['description'], 'string');
});

test('Pod: containers merge by name, ports by containerPort, maps and quantities typed', () => {
  const doc = openApiDocument('api/v1') as Doc;
  const podSpec = doc.components.schemas['io.k8s.api.core.v1.PodSpec'];
  const containers = (podSpec?.['properties'] as Record<string, Json>)['containers'] ?? {};
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(containers['x-kubernetes-list-type'], 'map');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  const container = doc.components.schemas['io.k8s.api.core.v1.Container'] ?? {};
  const cprops = container['properties'] as Record<string, Json>;
  assert.equal(cprops['ports']?.['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.equal(cprops['env']?.['x-kubernetes-patch-merge-key'], 'name');
  const limits = (resolve(doc, cprops['resources'] ?? {})['properties'] as Record<string, Json>)['limits'] ?? {};
  assert.deepEqual(limits['additionalProperties'], { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' }], default: {} });
  const meta = doc.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']?.['properties'] as Record<string, Json>;
  assert.deepEqual(meta['labels']?.['additionalProperties'], { type: 'string' });
  assert.equal(meta['finalizers']?.['x-kubernetes-list-type'], 'set');
  assert.equal(typeof meta['name']?.['description'], 'string');
});

async function get(port: number, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the handler serves the index and documents, redirects stale hashes, leaves v2 to the 404', async () => {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    void Promise.resolve(openApiHandler(req, res, path)).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const index = await get(port, '/openapi/v3');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'application/json');
    const url = (JSON.parse(index.body) as { paths: Record<string, { serverRelativeURL: string }> }).paths['apis/apps/v1']?.serverRelativeURL ?? '';
    const doc = await get(port, url);
    assert.equal(doc.status, 200);
    assert.deepEqual(JSON.parse(doc.body), JSON.parse(JSON.stringify(openApiDocument('apis/apps/v1'))));
    assert.match(String(doc.headers['cache-control']), /immutable/);
    const stale = await get(port, '/openapi/v3/apis/apps/v1?hash=OLD');
    assert.equal(stale.status, 301);
    assert.equal(stale.headers['location'], url);
    assert.equal((await get(port, '/openapi/v3/apis/apps/v1')).status, 200);
    assert.equal((await get(port, '/openapi/v2')).status, 404);
    assert.equal((await get(port, '/openapi/v3/apis/nope/v1')).status, 404);
  } finally {
    server.close();
  }
});
