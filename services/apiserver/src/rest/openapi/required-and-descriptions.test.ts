import assert from 'node:assert/strict';
import { test } from 'node:test';
import { descriptionKeys, fieldDescription, listDescription, typeDescription } from './descriptions.js';
import { openApiDocument, openApiIndex } from './document.js';
import { shortName } from './schemas.js';

type Json = Record<string, unknown>;
interface Doc {
  components: { schemas: Record<string, Json> };
}

const docs = (): Doc[] => Object.keys(openApiIndex().paths).map((k) => JSON.parse(JSON.stringify(openApiDocument(k))) as Doc);
const component = (doc: Doc, name: string): Json => {
  const c = doc.components.schemas[name];
  assert.ok(c, name);
  return c;
};
const props = (s: Json): Record<string, Json> => (s['properties'] ?? {}) as Record<string, Json>;
/** The inline object schema an array field holds (`{type: array, items: {type: object, ...}}`). */
const itemsOf = (s: Json | undefined): Json => ((s?.['items'] ?? {}) as Json);

test('kubectl explain marks Kubernetes-required fields: Container.name, PodSpec.containers and the like', () => {
  const core = openApiDocument('api/v1') as Doc;
  assert.deepEqual(component(core, 'io.k8s.api.core.v1.Container')['required'], ['name']);
  assert.deepEqual(component(core, 'io.k8s.api.core.v1.PodSpec')['required'], ['containers']);
  assert.deepEqual(component(core, 'io.k8s.api.core.v1.ContainerPort')['required'], ['containerPort']);
  assert.deepEqual(component(core, 'io.k8s.api.core.v1.EnvVar')['required'], ['name']);
  assert.deepEqual(component(core, 'io.k8s.api.core.v1.Volume')['required'], ['name']);
  assert.deepEqual(component(core, 'io.k8s.api.core.v1.VolumeMount')['required'], ['name', 'mountPath']);
  assert.deepEqual(component(core, 'io.k8s.api.core.v1.ServicePort')['required'], ['port']);
  assert.deepEqual(component(core, 'io.k8s.api.core.v1.Event')['required'], ['metadata', 'involvedObject']);
  // Toleration: nothing required; a kind with no required field has no `required` key at all.
  assert.equal(component(core, 'io.k8s.api.core.v1.Toleration')['required'], undefined);
  assert.equal(component(core, 'io.k8s.api.core.v1.ConfigMap')['required'], undefined);
  const taint = itemsOf(props(component(core, 'io.k8s.api.core.v1.NodeSpec'))['taints']);
  assert.deepEqual(taint['required'], ['key', 'effect']);
  assert.deepEqual(component(core, 'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference')['required'], ['apiVersion', 'kind', 'name', 'uid']);

  const apps = openApiDocument('apis/apps/v1') as Doc;
  const requirement = itemsOf(props(component(apps, 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'))['matchExpressions']);
  assert.deepEqual(requirement['required'], ['key', 'operator']);
  assert.deepEqual(component(apps, 'io.k8s.api.apps.v1.DeploymentSpec')['required'], ['selector', 'template']);
  assert.deepEqual(component(apps, 'io.k8s.api.apps.v1.ReplicaSetSpec')['required'], ['selector']);

  const discovery = openApiDocument('apis/discovery.k8s.io/v1') as Doc;
  assert.deepEqual(component(discovery, 'io.k8s.api.discovery.v1.EndpointSlice')['required'], ['addressType', 'endpoints']);
  assert.deepEqual(component(discovery, 'io.k8s.api.discovery.v1.Endpoint')['required'], ['addresses']);

  const networking = openApiDocument('apis/networking.k8s.io/v1') as Doc;
  const rule = component(networking, 'io.k8s.api.networking.v1.IngressRule');
  const http = props(rule)['http'] ?? {};
  assert.deepEqual(http['required'], ['paths']);
  assert.deepEqual(itemsOf(props(http)['paths'])['required'], ['pathType', 'backend']);
});

test('every required field in every document is one of its object\'s properties', () => {
  let seen = 0;
  const walk = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${where}[${i}]`));
    else if (v && typeof v === 'object') {
      const o = v as Json;
      if (Array.isArray(o['required'])) {
        seen++;
        const keys = Object.keys(props(o));
        for (const r of o['required'] as unknown[]) assert.ok(keys.includes(String(r)), `${where}: required ${String(r)} is not a property (${keys.join(', ')})`);
      }
      for (const [k, x] of Object.entries(o)) walk(x, `${where}.${k}`);
    }
  };
  for (const doc of docs()) walk(doc.components.schemas, 'components');
  assert.ok(seen > 20, `only ${seen} required lists`);
});

test('every description key names a type or a field Skiff serves (no stale keys)', () => {
  // Short type name → the union of its properties over every document; inline structs have none of their own name.
  const types = new Map<string, Set<string>>();
  for (const doc of docs()) {
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      const short = shortName(name);
      const fields = types.get(short) ?? new Set<string>();
      for (const f of Object.keys(props(schema))) fields.add(f);
      types.set(short, fields);
    }
  }
  const allFields = new Set([...types.values()].flatMap((f) => [...f]));
  const stale: string[] = [];
  for (const key of descriptionKeys()) {
    const dot = key.indexOf('.');
    if (dot < 0) {
      if (!types.has(key)) stale.push(key);
      continue;
    }
    const [type, field] = [key.slice(0, dot), key.slice(dot + 1)];
    if (type === '*' ? !allFields.has(field) : !types.get(type)?.has(field)) stale.push(key);
  }
  assert.deepEqual(stale, []);
});

test('descriptions are short, and every kind, list and the fields explain starts from have one', () => {
  for (const key of descriptionKeys()) {
    const text = key.includes('.') ? fieldDescription(key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)) : typeDescription(key);
    assert.ok(text && text.length > 0, key);
    assert.ok(text.length <= 200, `${key}: ${text.length} characters; keep it to one or two sentences`);
    assert.ok(!/More info: https?:/.test(text), `${key}: no pasted reference links`);
  }
  assert.equal(fieldDescription('Pod', 'apiVersion'), fieldDescription('Deployment', 'apiVersion'));
  assert.match(listDescription('Pod'), /\bPod\b/);
  assert.equal(fieldDescription('Container', 'nope'), undefined);
});
