import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { LABEL_SERVICE_NAME, type Endpoints, type EndpointSlice, type Service } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { FakeEventRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { eventually, settle } from '../../testing/eventually.js';
import { makeService } from '../../testing/network-fixtures.js';
import { EndpointSliceMirroringController } from './endpointslice-mirroring-controller.js';

const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

async function start(api: FakeApi, recorder = new FakeEventRecorder(), maxEndpointsPerSubset = 1000): Promise<void> {
  const clock = new FakeClock(Date.now());
  const ac = new AbortController();
  const services = new Informer<Service>(api, 'services', { clock });
  const endpoints = new Informer<Endpoints>(api, 'endpoints', { clock });
  const slices = new Informer<EndpointSlice>(api, 'endpointslices', { clock });
  const c = new EndpointSliceMirroringController({ services, endpoints, slices, client: api, recorder, clock, log: silentLogger(), maxEndpointsPerSubset });
  for (const i of [services, endpoints, slices]) i.start(ac.signal);
  await Promise.all([services.waitForSync(), endpoints.waitForSync(), slices.waitForSync()]);
  const workers = c.run(ac.signal, 2);
  running.push(async () => {
    ac.abort();
    await workers;
  });
}

async function selectorless(api: FakeApi, name: string): Promise<void> {
  const svc = makeService(name, { ports: [{ name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP' }] });
  delete svc.spec.selector;
  await api.create<Service>('services', { ...svc, metadata: { name, namespace: 'kube-system' } });
}

const manual = (ips: string[], port = 5353): Endpoints => ({
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'kube-dns', namespace: 'kube-system' },
  subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'dns', port, protocol: 'UDP' }] }],
});

const slicesOf = (api: FakeApi): EndpointSlice[] => api.all<EndpointSlice>('endpointslices', 'kube-system').filter((s) => s.metadata.labels?.[LABEL_SERVICE_NAME] === 'kube-dns');
const mirrored = (api: FakeApi): string[] => slicesOf(api).flatMap((s) => s.endpoints.map((e) => `${e.addresses[0] ?? ''}:${s.ports?.[0]?.port ?? ''}`));

describe('endpointslice mirroring controller', () => {
  it('mirrors the manual Endpoints of a selector-less Service (as the DNS server writes kube-dns) and follows them', async () => {
    const api = new FakeApi();
    await start(api);
    await selectorless(api, 'kube-dns');
    await api.create<Endpoints>('endpoints', manual(['192.168.1.5']));
    await eventually(() => mirrored(api).join() === '192.168.1.5:5353', 'the mirrored slice');
    const ep = api.peek<Endpoints>('endpoints', 'kube-system', 'kube-dns');
    assert.equal(slicesOf(api)[0]?.metadata.ownerReferences?.[0]?.uid, ep?.metadata.uid);

    // The DNS server restarts on another port: the same slice is updated.
    const name = slicesOf(api)[0]?.metadata.name;
    await api.update<Endpoints>('endpoints', { ...manual(['192.168.1.5'], 5454), metadata: { ...ep?.metadata, name: 'kube-dns', namespace: 'kube-system' } });
    await eventually(() => mirrored(api).join() === '192.168.1.5:5454', 'the new port');
    assert.equal(slicesOf(api)[0]?.metadata.name, name);

    // Nothing changed: no write.
    await settle(30);
    const writes = api.writes().filter((c) => c.resource === 'endpointslices').length;
    await api.patch('services', 'kube-system', 'kube-dns', { metadata: { annotations: { a: 'b' } } });
    await settle(50);
    assert.equal(api.writes().filter((c) => c.resource === 'endpointslices').length, writes);

    await api.delete('endpoints', 'kube-system', 'kube-dns');
    await eventually(() => slicesOf(api).length === 0, 'the slice deleted with the Endpoints');
  });

  it('does not mirror the Endpoints of a Service with a selector, and drops mirrored slices when one is added', async () => {
    const api = new FakeApi();
    await start(api);
    await selectorless(api, 'kube-dns');
    await api.create<Endpoints>('endpoints', manual(['192.168.1.5']));
    await eventually(() => slicesOf(api).length === 1, 'the mirrored slice');
    await api.patch('services', 'kube-system', 'kube-dns', { spec: { selector: { app: 'dns' } } });
    await eventually(() => slicesOf(api).length === 0, 'the mirrored slice deleted');
    await api.delete('services', 'kube-system', 'kube-dns');
    await selectorless(api, 'kube-dns');
    await eventually(() => slicesOf(api).length === 1, 'mirrored again for a selector-less Service');
    await api.delete('services', 'kube-system', 'kube-dns');
    await eventually(() => slicesOf(api).length === 0, 'no Service, no mirror');
  });

  it('reports addresses it cannot mirror', async () => {
    const api = new FakeApi();
    const recorder = new FakeEventRecorder();
    await start(api, recorder, 1);
    await selectorless(api, 'kube-dns');
    await api.create<Endpoints>('endpoints', manual(['not-an-ip', '192.168.1.5', '192.168.1.6']));
    await eventually(() => mirrored(api).join() === '192.168.1.5:5353', 'one mirrored address');
    await eventually(() => recorder.reasons().includes('TooManyAddressesToMirror') && recorder.reasons().includes('InvalidIPAddress'), 'the warnings');
  });
});
