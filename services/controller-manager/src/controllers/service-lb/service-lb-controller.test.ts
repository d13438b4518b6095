import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Node, Service } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { FakeEventRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { eventually } from '../../testing/eventually.js';
import { makeNode, makeService } from '../../testing/network-fixtures.js';
import { ServiceLbController } from './service-lb-controller.js';

const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

async function start(api: FakeApi): Promise<FakeEventRecorder> {
  const clock = new FakeClock(Date.now());
  const ac = new AbortController();
  const recorder = new FakeEventRecorder();
  const services = new Informer<Service>(api, 'services', { clock });
  const nodes = new Informer<Node>(api, 'nodes', { clock });
  const c = new ServiceLbController({ services, nodes, client: api, recorder, clock, log: silentLogger() });
  services.start(ac.signal);
  nodes.start(ac.signal);
  await Promise.all([services.waitForSync(), nodes.waitForSync()]);
  const workers = c.run(ac.signal, 1);
  running.push(async () => {
    ac.abort();
    await workers;
  });
  return recorder;
}

async function addNode(api: FakeApi, name: string, ip: string, ready = true): Promise<void> {
  const { status, ...node } = makeNode(name, { ip, ready });
  await api.create<Node>('nodes', { ...node, metadata: { name } });
  const cur = api.peek<Node>('nodes', '', name);
  if (cur) await api.updateStatus('nodes', { ...cur, status: status ?? {} });
}

const ingress = (api: FakeApi): string[] => (api.peek<Service>('services', 'default', 'web')?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
const is = (api: FakeApi, ips: string[]) => (): boolean => ingress(api).join() === ips.join();

describe('service load-balancer controller', () => {
  it('lists Ready nodes’ addresses for a LoadBalancer Service, follows the nodes, and clears on a type change', async () => {
    const api = new FakeApi();
    const recorder = await start(api);
    await addNode(api, 'n2', '127.0.0.3');
    await addNode(api, 'n1', '127.0.0.2');
    await addNode(api, 'n3', '127.0.0.4', false);
    const { metadata: _m, status: _s, ...svc } = makeService('web', { type: 'LoadBalancer' });
    await api.create<Service>('services', { ...svc, metadata: { name: 'web', namespace: 'default' } });
    await eventually(is(api, ['127.0.0.2', '127.0.0.3']), 'the Ready nodes');
    assert.deepEqual(recorder.reasons(), ['EnsuringLoadBalancer', 'EnsuredLoadBalancer']);

    // n3 turns Ready, n1 is cordoned, n2 goes away.
    const n3 = api.peek<Node>('nodes', '', 'n3');
    await api.updateStatus('nodes', { ...n3, status: { ...n3?.status, conditions: [{ type: 'Ready', status: 'True' }] } } as Node);
    await eventually(is(api, ['127.0.0.2', '127.0.0.3', '127.0.0.4']), 'n3 added');
    await api.patch('nodes', '', 'n1', { spec: { unschedulable: true } });
    await eventually(is(api, ['127.0.0.3', '127.0.0.4']), 'cordoned n1 left out');
    await api.delete('nodes', '', 'n2');
    await eventually(is(api, ['127.0.0.4']), 'n2 gone');
    assert.ok(recorder.reasons().includes('UpdatedLoadBalancer'));

    await api.patch('services', 'default', 'web', { spec: { type: 'NodePort' } });
    await eventually(is(api, []), 'cleared');
    assert.deepEqual(api.peek<Service>('services', 'default', 'web')?.status?.loadBalancer, {});
    assert.equal(recorder.reasons().at(-1), 'DeletedLoadBalancer');
  });

  it('leaves ClusterIP Services alone', async () => {
    const api = new FakeApi();
    await start(api);
    await addNode(api, 'n1', '127.0.0.2');
    await api.create<Service>('services', { ...makeService('web'), metadata: { name: 'web', namespace: 'default' } });
    await api.create<Service>('services', { ...makeService('lb', { type: 'LoadBalancer' }), metadata: { name: 'lb', namespace: 'default' } });
    await eventually(() => api.peek<Service>('services', 'default', 'lb')?.status?.loadBalancer?.ingress?.length === 1, 'the LoadBalancer handled');
    assert.equal(api.writes().filter((c) => c.resource === 'services' && c.name === 'web' && c.verb === 'updateStatus').length, 0);
  });
});
