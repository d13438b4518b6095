import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Endpoints, Pod, Service } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { FakeEventRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { eventually, settle } from '../../testing/eventually.js';
import { makeNetPod, makeService } from '../../testing/network-fixtures.js';
import { EndpointsController } from './endpoints-controller.js';
import { LABEL_ENDPOINTS_MANAGED_BY } from './endpoints-plan.js';

interface Harness {
  api: FakeApi;
  stop(): Promise<void>;
}

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

async function start(api = new FakeApi()): Promise<Harness> {
  const clock = new FakeClock(Date.now());
  const ac = new AbortController();
  const services = new Informer<Service>(api, 'services', { clock });
  const pods = new Informer<Pod>(api, 'pods', { clock });
  const endpoints = new Informer<Endpoints>(api, 'endpoints', { clock });
  const controller = new EndpointsController({ services, pods, endpoints, client: api, recorder: new FakeEventRecorder(), clock, log: silentLogger() });
  for (const i of [services, pods, endpoints]) i.start(ac.signal);
  await Promise.all([services.waitForSync(), pods.waitForSync(), endpoints.waitForSync()]);
  const workers = controller.run(ac.signal, 2);
  const h = {
    api,
    stop: async () => {
      ac.abort();
      await workers;
    },
  };
  running.push(h);
  return h;
}

/** Creates a pod as a kubelet would leave it: bound, then its status with an IP and readiness. */
async function addPod(api: FakeApi, name: string, o: Parameters<typeof makeNetPod>[1] = {}): Promise<void> {
  const pod = makeNetPod(name, o);
  const { status, ...rest } = pod;
  await api.create<Pod>('pods', { ...rest, metadata: { name, namespace: 'default', labels: pod.metadata.labels ?? {} } });
  await setStatus(api, name, status ?? {});
}

async function setStatus(api: FakeApi, name: string, status: NonNullable<Pod['status']>): Promise<void> {
  const cur = api.peek<Pod>('pods', 'default', name);
  if (!cur) throw new Error(name);
  await api.updateStatus('pods', { ...cur, status });
}

async function setReady(api: FakeApi, name: string, ready: boolean): Promise<void> {
  const cur = api.peek<Pod>('pods', 'default', name);
  await setStatus(api, name, { ...cur?.status, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] });
}

const ep = (api: FakeApi, name = 'web'): Endpoints | undefined => api.peek<Endpoints>('endpoints', 'default', name);
const addrs = (e: Endpoints | undefined): { ready: string[]; notReady: string[] } => ({
  ready: (e?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip)),
  notReady: (e?.subsets ?? []).flatMap((s) => (s.notReadyAddresses ?? []).map((a) => a.ip)),
});
const has = (api: FakeApi, want: { ready: string[]; notReady: string[] }) => (): boolean => JSON.stringify(addrs(ep(api))) === JSON.stringify(want);
const endpointWrites = (api: FakeApi): number => api.writes().filter((c) => c.resource === 'endpoints').length;

describe('endpoints controller', () => {
  it('follows pods’ readiness, leaves out terminating pods at once, and deletes the Endpoints with the Service', async () => {
    const api = new FakeApi();
    const h = await start(api);
    const { metadata: _m, ...svc } = makeService('web', { selector: { app: 'web' } });
    await api.create<Service>('services', { ...svc, metadata: { name: 'web', namespace: 'default', labels: { tier: 'front' } } });
    await addPod(api, 'a', { ip: '10.244.0.2' });
    await addPod(api, 'b', { ip: '10.244.0.3', ready: false });
    await addPod(api, 'c'); // no IP yet
    await addPod(api, 'other', { ip: '10.244.0.9', labels: { app: 'db' } });
    await eventually(has(api, { ready: ['10.244.0.2'], notReady: ['10.244.0.3'] }), 'the first Endpoints');
    assert.deepEqual(ep(api)?.metadata.labels, { tier: 'front', [LABEL_ENDPOINTS_MANAGED_BY]: 'endpoint-controller' });
    assert.deepEqual(ep(api)?.subsets?.[0]?.addresses?.[0]?.targetRef?.name, 'a');

    await setReady(api, 'b', true);
    await eventually(has(api, { ready: ['10.244.0.2', '10.244.0.3'], notReady: [] }), 'b ready');
    await setReady(api, 'a', false);
    await eventually(has(api, { ready: ['10.244.0.3'], notReady: ['10.244.0.2'] }), 'a not ready');

    // Deleting a pod bound to a node leaves it terminating (its kubelet finishes it): out at once.
    await api.delete('pods', 'default', 'b');
    assert.ok(api.peek<Pod>('pods', 'default', 'b')?.metadata.deletionTimestamp);
    await eventually(has(api, { ready: [], notReady: ['10.244.0.2'] }), 'the terminating pod left');

    // Nothing relevant changed: no write.
    await settle();
    const before = endpointWrites(api);
    await api.patch('pods', 'default', 'a', { metadata: { annotations: { note: 'x' } } });
    await api.patch('services', 'default', 'web', { metadata: { annotations: { note: 'x' } } });
    await settle(50);
    assert.equal(endpointWrites(api), before);

    await api.delete('services', 'default', 'web');
    await eventually(() => ep(api) === undefined, 'the Endpoints deleted with the Service');
    await h.stop();
  });

  it('leaves the Endpoints of a Service without a selector to their writer', async () => {
    const api = new FakeApi();
    await start(api);
    const svc = makeService('ext', {});
    delete svc.spec.selector;
    await api.create<Service>('services', { ...svc, metadata: { name: 'ext', namespace: 'default' } });
    const manual = await api.create<Endpoints>('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }], ports: [{ port: 9376 }] }] });
    await addPod(api, 'a', { ip: '10.244.0.2', labels: { app: 'ext' } });
    await settle(50);
    assert.deepEqual(ep(api, 'ext'), manual);
    // Its Service deleted: users' own Endpoints stay (only the controller's are removed).
    await api.delete('services', 'default', 'ext');
    await settle(50);
    assert.ok(ep(api, 'ext'));
  });

  it('on start-up deletes the Endpoints it wrote for a Service that is gone', async () => {
    const api = new FakeApi();
    await api.create<Endpoints>('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'old', namespace: 'default', labels: { [LABEL_ENDPOINTS_MANAGED_BY]: 'endpoint-controller' } }, subsets: [] });
    await api.create<Endpoints>('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'mine', namespace: 'default' }, subsets: [] });
    await start(api);
    await eventually(() => ep(api, 'old') === undefined, 'the leftover Endpoints deleted');
    assert.ok(ep(api, 'mine'));
  });

  it('recreates its Endpoints when someone deletes them', async () => {
    const api = new FakeApi();
    await start(api);
    await api.create<Service>('services', { ...makeService('web'), metadata: { name: 'web', namespace: 'default' } });
    await addPod(api, 'a', { ip: '10.244.0.2' });
    await eventually(has(api, { ready: ['10.244.0.2'], notReady: [] }), 'the Endpoints');
    await api.delete('endpoints', 'default', 'web');
    await eventually(has(api, { ready: ['10.244.0.2'], notReady: [] }), 'the Endpoints again');
  });
});
