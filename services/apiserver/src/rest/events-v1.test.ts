// events.k8s.io/v1 Events over the core/v1 storage: the conversion both ways, the field label
// conversion, and the REST verbs, watch, Tables, discovery and OpenAPI of the group.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '@skiff/api';
import { eventsV1FieldSelector, fromEventsV1, toEventsV1 } from './events-v1.js';
import { startRestTestServer, type RestTestServer } from './testing/rest-test-server.js';

type Json = Record<string, unknown>;

const CORE = '/api/v1/namespaces/default/events';
const V1 = '/apis/events.k8s.io/v1/namespaces/default/events';

let s: RestTestServer;
before(async () => {
  s = await startRestTestServer();
});
after(async () => {
  await s.stop();
});

function eventV1(name: string, podName: string): Json {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name },
    eventTime: '2024-05-01T10:00:00.000000Z',
    reportingController: 'skiff.io/test-controller',
    reportingInstance: 'test-1',
    action: 'Testing',
    reason: 'Tested',
    type: 'Normal',
    note: `note about ${podName}`,
    regarding: { apiVersion: 'v1', kind: 'Pod', name: podName, namespace: 'default', uid: `uid-${podName}` },
    deprecatedSource: { component: 'skiff-test', host: 'node-a' },
    deprecatedFirstTimestamp: '2024-05-01T10:00:00Z',
    deprecatedLastTimestamp: '2024-05-01T10:05:00Z',
    deprecatedCount: 3,
  };
}

test('core/v1 → events.k8s.io/v1 renames fields as Convert_core_Event_To_v1_Event, and back', () => {
  const meta = { name: 'e', namespace: 'default' };
  const ref = { kind: 'Pod', name: 'p', namespace: 'default' };
  const source = { component: 'kubelet', host: 'n1' };
  const [first, last] = ['2024-01-01T00:00:00Z', '2024-01-01T00:01:00Z'];
  const core = { apiVersion: 'v1', kind: 'Event', metadata: meta, involvedObject: ref, reason: 'Pulled', message: 'pulled', type: 'Normal', source, firstTimestamp: first, lastTimestamp: last, count: 2 } as unknown as KubeObject;
  const ext = toEventsV1(core) as unknown as Json;
  assert.deepEqual(ext, {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: meta, regarding: ref, reason: 'Pulled', note: 'pulled', type: 'Normal', deprecatedSource: source,
    deprecatedFirstTimestamp: first, deprecatedLastTimestamp: last, deprecatedCount: 2, eventTime: null, reportingController: 'kubelet',
  });
  // reportingComponent wins over source.component.
  assert.equal(toEventsV1({ ...core, reportingComponent: 'scheduler' } as KubeObject)['reportingController' as keyof KubeObject], 'scheduler');

  const warnings: string[] = [];
  const back = fromEventsV1(ext, { fieldValidation: 'Strict', warn: (m) => warnings.push(m) }) as Json;
  assert.deepEqual(back, { ...core, reportingComponent: 'kubelet' });
  assert.deepEqual(warnings, []);
});

test('inbound: the core spellings are unknown fields of events.k8s.io/v1; eventTime and series are kept', () => {
  assert.throws(() => fromEventsV1({ message: 'x', regarding: {} }, { fieldValidation: 'Strict', warn: () => undefined }), /strict decoding error: unknown field "message"/);
  assert.throws(() => fromEventsV1({ apiVersion: 'v1' }, { fieldValidation: 'Strict', warn: () => undefined }), /the API version in the data \(v1\) does not match the expected API version \(events\.k8s\.io\/v1\)/);
  const warnings: string[] = [];
  const out = fromEventsV1({ message: 'x', note: 'n', eventTime: '2024-01-01T00:00:00.000000Z', series: { count: 2, lastObservedTime: '2024-01-01T00:00:00.000000Z' } }, { fieldValidation: 'Warn', warn: (m) => warnings.push(m) }) as Json;
  assert.equal(out['message'], 'n');
  assert.equal(out['apiVersion'], 'v1');
  assert.equal(out['eventTime'], '2024-01-01T00:00:00.000000Z');
  assert.deepEqual(out['series'], { count: 2, lastObservedTime: '2024-01-01T00:00:00.000000Z' });
  assert.deepEqual(warnings, ['unknown field "message"']);
});

test('field selectors: regarding.* and reportingController map to the core labels; core spellings are refused', () => {
  assert.equal(eventsV1FieldSelector('regarding.name=p,regarding.kind!=Node,reportingController=kubelet,type=Warning,metadata.name=e'), 'involvedObject.name=p,involvedObject.kind!=Node,reportingComponent=kubelet,type=Warning,metadata.name=e');
  assert.throws(() => eventsV1FieldSelector('involvedObject.name=p'), /field label not supported: involvedObject\.name/);
});

test('create through events.k8s.io/v1, read through core/v1 and back', async () => {
  const created = await s.request('POST', V1, { body: eventV1('ev-a', 'pod-a') });
  assert.equal(created.status, 201, created.text);
  const c = created.json();
  assert.equal(c['apiVersion'], 'events.k8s.io/v1');
  assert.equal(c['note'], 'note about pod-a');
  // The core storage keeps eventTime and action too: nothing is dropped, so no Warning.
  assert.equal(created.headers['warning'], undefined);

  const core = (await s.request('GET', `${CORE}/ev-a`)).json();
  assert.equal(core['apiVersion'], 'v1');
  assert.equal(core['message'], 'note about pod-a');
  assert.deepEqual(core['involvedObject'], { apiVersion: 'v1', kind: 'Pod', name: 'pod-a', namespace: 'default', uid: 'uid-pod-a' });
  assert.deepEqual(core['source'], { component: 'skiff-test', host: 'node-a' });
  assert.equal(core['reportingComponent'], 'skiff.io/test-controller');
  assert.equal(core['count'], 3);
  assert.equal(core['lastTimestamp'], '2024-05-01T10:05:00Z');
  assert.equal(core['note'], undefined);
  assert.equal(core['action'], c['action']);
  assert.equal(core['eventTime'], c['eventTime']);

  const back = (await s.request('GET', `${V1}/ev-a`)).json();
  assert.equal(back['kind'], 'Event');
  assert.equal(back['apiVersion'], 'events.k8s.io/v1');
  assert.equal(back['reportingController'], 'skiff.io/test-controller');
  assert.equal(back['deprecatedCount'], 3);
  assert.equal(back['eventTime'], c['eventTime'], 'eventTime survives the round trip');
  assert.equal(back['message'], undefined);
  assert.equal(back['involvedObject'], undefined);

  // An event recorded through core/v1 reads through events.k8s.io/v1.
  const viaCore = await s.request('POST', CORE, {
    body: { metadata: { name: 'ev-core' }, involvedObject: { kind: 'Node', name: 'n1' }, reason: 'Ready', message: 'ready', type: 'Normal', source: { component: 'kubelet' } },
  });
  assert.equal(viaCore.status, 201, viaCore.text);
  const read = (await s.request('GET', `${V1}/ev-core`)).json();
  assert.deepEqual([read['note'], read['regarding'], read['reportingController']], ['ready', { kind: 'Node', name: 'n1' }, 'kubelet']);

  // A core body sent to events.k8s.io is refused by its apiVersion; core field names by name.
  const wrongVersion = await s.request('POST', V1, { body: { apiVersion: 'v1', kind: 'Event', metadata: { name: 'x' } } });
  assert.equal(wrongVersion.status, 400);
  const coreNames = await s.request('POST', V1, { body: { metadata: { name: 'x' }, message: 'm', involvedObject: { name: 'p' } } });
  assert.equal(coreNames.status, 400);
  assert.match(String(coreNames.json()['message']), /unknown field "message", unknown field "involvedObject"/);
});

test('list with events.k8s.io field selectors, all namespaces, and as a Table', async () => {
  await s.request('POST', V1, { body: eventV1('ev-b', 'pod-b') });
  const list = await s.request('GET', `${V1}?fieldSelector=${encodeURIComponent('regarding.name=pod-b')}`);
  assert.equal(list.status, 200, list.text);
  const body = list.json();
  assert.deepEqual([body['kind'], body['apiVersion']], ['EventList', 'events.k8s.io/v1']);
  const items = body['items'] as Json[];
  assert.deepEqual(items.map((i) => (i['metadata'] as Json)['name']), ['ev-b']);
  assert.equal(items[0]?.['apiVersion'], 'events.k8s.io/v1');
  assert.equal(items[0]?.['note'], 'note about pod-b');

  const byController = (await s.request('GET', `/apis/events.k8s.io/v1/events?fieldSelector=${encodeURIComponent('reportingController=skiff.io/test-controller')}`)).json();
  assert.ok((byController['items'] as Json[]).length >= 2);

  const refused = await s.request('GET', `${V1}?fieldSelector=involvedObject.name%3Dpod-b`);
  assert.equal(refused.status, 400);
  assert.equal(refused.json()['message'], 'field label not supported: involvedObject.name');

  const table = await s.request('GET', `${V1}?fieldSelector=regarding.name%3Dpod-b&includeObject=Object`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  const t = table.json();
  assert.equal(t['kind'], 'Table');
  const columns = (t['columnDefinitions'] as { name: string }[]).map((c) => c.name);
  assert.deepEqual(columns.slice(0, 4), ['Last Seen', 'Type', 'Reason', 'Object']);
  const row = (t['rows'] as { cells: unknown[]; object: Json }[])[0];
  assert.ok(row);
  assert.deepEqual(row.cells.slice(1, 4), ['Normal', 'Tested', 'pod/pod-b']);
  assert.equal(row.object['apiVersion'], 'events.k8s.io/v1');
});

test('watch sends events in events.k8s.io/v1 form', async () => {
  const res = await s.stream(`${V1}?watch=true&fieldSelector=regarding.name%3Dpod-w&timeoutSeconds=10`);
  assert.equal(res.statusCode, 200);
  const first = new Promise<Json>((resolve, reject) => {
    let buf = '';
    res.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as Json);
    });
    res.on('error', reject);
    res.on('end', () => reject(new Error(`watch ended: ${buf}`)));
  });
  // Written through core/v1, seen through events.k8s.io/v1.
  const created = await s.request('POST', CORE, { body: { metadata: { name: 'ev-w' }, involvedObject: { kind: 'Pod', name: 'pod-w', namespace: 'default' }, message: 'watched', type: 'Warning', reason: 'W' } });
  assert.equal(created.status, 201, created.text);
  const ev = await first;
  res.destroy();
  assert.equal(ev['type'], 'ADDED');
  const obj = ev['object'] as Json;
  assert.deepEqual([obj['apiVersion'], obj['note'], (obj['regarding'] as Json)['name']], ['events.k8s.io/v1', 'watched', 'pod-w']);
});

test('update, merge patch, JSON patch and delete through events.k8s.io/v1', async () => {
  await s.request('POST', V1, { body: eventV1('ev-p', 'pod-p') });
  const merged = await s.request('PATCH', `${V1}/ev-p`, { body: { note: 'merged', deprecatedCount: 4 }, contentType: 'application/merge-patch+json' });
  assert.equal(merged.status, 200, merged.text);
  assert.deepEqual([merged.json()['note'], merged.json()['deprecatedCount']], ['merged', 4]);
  const jp = await s.request('PATCH', `${V1}/ev-p`, { body: [{ op: 'replace', path: '/note', value: 'json-patched' }], contentType: 'application/json-patch+json' });
  assert.equal(jp.status, 200, jp.text);
  const smp = await s.request('PATCH', `${V1}/ev-p`, { body: { reason: 'Strategic' }, contentType: 'application/strategic-merge-patch+json' });
  assert.equal(smp.status, 200, smp.text);
  const core = (await s.request('GET', `${CORE}/ev-p`)).json();
  assert.deepEqual([core['message'], core['count'], core['reason']], ['json-patched', 4, 'Strategic']);

  const current = (await s.request('GET', `${V1}/ev-p`)).json();
  const put = await s.request('PUT', `${V1}/ev-p`, { body: { ...current, note: 'replaced' } });
  assert.equal(put.status, 200, put.text);
  assert.equal((await s.request('GET', `${CORE}/ev-p`)).json()['message'], 'replaced');

  const apply = await s.request('PATCH', `${V1}/ev-p?fieldManager=x`, { body: '{}', contentType: 'application/apply-patch+yaml' });
  assert.equal(apply.status, 415);

  const del = await s.request('DELETE', `${V1}/ev-p`);
  assert.equal(del.status, 200, del.text);
  assert.deepEqual((del.json()['details'] as Json)['group'], 'events.k8s.io');
  assert.equal((await s.request('GET', `${CORE}/ev-p`)).status, 404);
});

test('discovery lists events.k8s.io/v1 events; /openapi/v3 has its document with the Event in events.k8s.io form', async () => {
  const apis = (await s.request('GET', '/apis')).json();
  const group = (apis['groups'] as { name: string; preferredVersion: { groupVersion: string } }[]).find((g) => g.name === 'events.k8s.io');
  assert.equal(group?.preferredVersion.groupVersion, 'events.k8s.io/v1');
  const list = (await s.request('GET', '/apis/events.k8s.io/v1')).json();
  assert.equal(list['groupVersion'], 'events.k8s.io/v1');
  const events = (list['resources'] as Json[]).find((r) => r['name'] === 'events');
  assert.deepEqual([events?.['kind'], events?.['namespaced'], events?.['singularName']], ['Event', true, 'event']);

  const agg = (await s.request('GET', '/apis', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' })).json();
  const aggGroup = (agg['items'] as { metadata: { name: string }; versions: { version: string; resources: { resource: string; responseKind: Json }[] }[] }[]).find((i) => i.metadata.name === 'events.k8s.io');
  assert.deepEqual(aggGroup?.versions[0]?.resources.map((r) => [r.resource, r.responseKind]), [['events', { group: 'events.k8s.io', version: 'v1', kind: 'Event' }]]);

  const index = (await s.request('GET', '/openapi/v3')).json();
  const url = ((index['paths'] as Record<string, { serverRelativeURL: string }>)['apis/events.k8s.io/v1'])?.serverRelativeURL;
  assert.ok(url);
  const doc = (await s.request('GET', url)).json() as { paths: Record<string, unknown>; components: { schemas: Record<string, Json> } };
  const ev = doc.components.schemas['io.k8s.api.events.v1.Event'];
  assert.ok(ev);
  const props = Object.keys(ev['properties'] as Json);
  for (const f of ['note', 'regarding', 'related', 'eventTime', 'series', 'reportingController', 'deprecatedSource', 'deprecatedCount']) assert.ok(props.includes(f), f);
  assert.ok(!props.includes('message') && !props.includes('involvedObject'));
  assert.deepEqual(ev['x-kubernetes-group-version-kind'], [{ group: 'events.k8s.io', version: 'v1', kind: 'Event' }]);
  assert.ok(doc.components.schemas['io.k8s.api.core.v1.ObjectReference']);
  assert.ok('/apis/events.k8s.io/v1/namespaces/{namespace}/events/{name}' in doc.paths);
  assert.ok('/apis/events.k8s.io/v1/events' in doc.paths);
});
