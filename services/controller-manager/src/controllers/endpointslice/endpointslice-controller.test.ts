import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, type EndpointSlice, type Node, type Pod, type Service } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { eventually, settle } from '../../testing/eventually.js';
import { endpointConditions, makeNetPod, makeNode, makeService } from '../../testing/network-fixtures.js';
import { EndpointSliceController } from './endpointslice-controller.js';

const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

async function start(api: FakeApi, maxEndpointsPerSlice = 100): Promise<void> {
  const clock = new FakeClock(Date.now());
  const ac = new AbortController();
  const services = new Informer<Service>(api, 'services', { clock });
  const pods = new Informer<Pod>(api, 'pods', { clock });
  const slices = new Informer<EndpointSlice>(api, 'endpointslices', { clock });
  const nodes = new Informer<Node>(api, 'nodes', { clock });
  const controller = new EndpointSliceController({ services, pods, slices, nodes, client: api, clock, log: silentLogger(), maxEndpointsPerSlice });
  for (const i of [services, pods, slices, nodes]) i.start(ac.signal);
  await Promise.all([services.waitForSync(), pods.waitForSync(), slices.waitForSync(), nodes.waitForSync()]);
  const workers = controller.run(ac.signal, 3);
  running.push(async () => {
    ac.abort();
    await workers;
  });
}

async function addPod(api: FakeApi, name: string, o: Parameters<typeof makeNetPod>[1] = {}): Promise<void> {
  const { status, ...pod } = makeNetPod(name, o);
  await api.create<Pod>('pods', { ...pod, metadata: { name, namespace: 'default', labels: pod.metadata.labels ?? {} } });
  const cur = api.peek<Pod>('pods', 'default', name);
  if (cur) await api.updateStatus('pods', { ...cur, status: status ?? {} });
}

async function setReady(api: FakeApi, name: string, ready: boolean): Promise<void> {
  const cur = api.peek<Pod>('pods', 'default', name);
  if (cur) await api.updateStatus('pods', { ...cur, status: { ...cur.status, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
}

async function addService(api: FakeApi, name: string): Promise<Service> {
  const { metadata: _m, ...svc } = makeService(name, { selector: { app: 'web' } });
  return api.create<Service>('services', { ...svc, metadata: { name, namespace: 'default' } });
}

const slicesOf = (api: FakeApi, svc = 'web'): EndpointSlice[] => api.all<EndpointSlice>('endpointslices', 'default').filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === svc);
const conditionsAre = (api: FakeApi, want: ReturnType<typeof endpointConditions>) => (): boolean => JSON.stringify(endpointConditions(slicesOf(api))) === JSON.stringify(want);
const sliceWrites = (api: FakeApi): number => api.writes().filter((c) => c.resource === 'endpointslices').length;

describe('endpointslice controller', () => {
  it('keeps the slices of a Service in step with its pods’ readiness and termination', async () => {
    const api = new FakeApi();
    await api.create<Node>('nodes', { ...makeNode('n1'), metadata: { name: 'n1' } });
    await start(api);
    const svc = await addService(api, 'web');
    await addPod(api, 'a', { ip: '10.244.0.2' });
    await addPod(api, 'b', { ip: '10.244.0.3', ready: false });
    await eventually(
      conditionsAre(api, { '10.244.0.2': { ready: true, serving: true, terminating: false }, '10.244.0.3': { ready: false, serving: false, terminating: false } }),
      'both pods in the slice',
    );
    const [slice] = slicesOf(api);
    assert.equal(slicesOf(api).length, 1);
    assert.match(slice?.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
    assert.equal(slice?.metadata.labels?.[LABEL_ENDPOINTSLICE_MANAGED_BY], 'endpointslice-controller.k8s.io');
    assert.deepEqual(slice?.metadata.ownerReferences?.[0], { apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true });

    await setReady(api, 'b', true);
    await eventually(conditionsAre(api, { '10.244.0.2': { ready: true, serving: true, terminating: false }, '10.244.0.3': { ready: true, serving: true, terminating: false } }), 'b ready');

    // Terminating: still listed, not ready, serving while its readiness holds; gone once removed.
    await api.delete('pods', 'default', 'a');
    await eventually(conditionsAre(api, { '10.244.0.2': { ready: false, serving: true, terminating: true }, '10.244.0.3': { ready: true, serving: true, terminating: false } }), 'a terminating');
    await api.delete('pods', 'default', 'a', { gracePeriodSeconds: 0 });
    await eventually(conditionsAre(api, { '10.244.0.3': { ready: true, serving: true, terminating: false } }), 'a removed');
    assert.equal(slicesOf(api).length, 1);

    // No write when nothing an endpoint shows changed.
    await settle(30);
    const before = sliceWrites(api);
    await api.patch('pods', 'default', 'b', { metadata: { annotations: { x: 'y' } } });
    await settle(50);
    assert.equal(sliceWrites(api), before);

    await api.delete('services', 'default', 'web');
    await eventually(() => slicesOf(api).length === 0, 'the slices deleted with the Service');
  });

  it('splits 250 endpoints over slices of at most --max-endpoints-per-slice, without duplicates', async () => {
    const api = new FakeApi();
    await api.create<Node>('nodes', { ...makeNode('n1'), metadata: { name: 'n1' } });
    await start(api, 100);
    for (let i = 0; i < 250; i++) await addPod(api, `p${i}`, { ip: `10.244.${Math.floor(i / 200)}.${(i % 200) + 1}` });
    await addService(api, 'web');
    await eventually(() => Object.keys(endpointConditions(slicesOf(api))).length === 250, '250 endpoints');
    await settle(50);
    const sizes = slicesOf(api).map((s) => s.endpoints.length).sort((a, b) => a - b);
    assert.deepEqual(sizes, [50, 100, 100]);
  });

  it('waits for a pod’s node before listing it, and deletes slices of a Service that lost its selector', async () => {
    const api = new FakeApi();
    await start(api);
    await addService(api, 'web');
    await addPod(api, 'a', { ip: '10.244.0.2', nodeName: 'late' });
    await eventually(() => slicesOf(api).length === 1, 'a placeholder slice');
    assert.deepEqual(slicesOf(api)[0]?.endpoints, []);
    await api.create<Node>('nodes', { ...makeNode('late'), metadata: { name: 'late' } });
    await eventually(() => endpointConditions(slicesOf(api))['10.244.0.2']?.ready === true, 'the pod once its node exists');

    await api.patch('services', 'default', 'web', { spec: { selector: null } });
    await eventually(() => slicesOf(api).length === 0, 'the slices deleted');
  });
});
