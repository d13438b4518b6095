import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Node } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { FakeEventRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { eventually } from '../../testing/eventually.js';
import { NodeIpamController } from './node-ipam-controller.js';

const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0)) await stop();
});

async function start(api: FakeApi, clusterCidr = '10.244.0.0/16', maskSize = 24): Promise<{ recorder: FakeEventRecorder; clock: FakeClock; stop: () => Promise<void> }> {
  const clock = new FakeClock(Date.now());
  const ac = new AbortController();
  const recorder = new FakeEventRecorder();
  const nodes = new Informer<Node>(api, 'nodes', { clock });
  const c = new NodeIpamController({ nodes, client: api, recorder, clock, log: silentLogger(), clusterCidr, nodeCidrMaskSize: maskSize });
  nodes.start(ac.signal);
  await nodes.waitForSync();
  const workers = c.run(ac.signal);
  const stop = async (): Promise<void> => {
    ac.abort();
    await workers;
  };
  running.push(stop);
  return { recorder, clock, stop };
}

const addNode = (api: FakeApi, name: string, podCIDR?: string): Promise<Node> =>
  api.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });
const cidrOf = (api: FakeApi, name: string): string | undefined => api.peek<Node>('nodes', '', name)?.spec?.podCIDR;

describe('node IPAM controller', () => {
  it('gives each node the lowest free block as podCIDR and podCIDRs, and reuses a deleted node’s block', async () => {
    const api = new FakeApi();
    await start(api);
    await addNode(api, 'n1');
    await eventually(() => cidrOf(api, 'n1') === '10.244.0.0/24', 'n1 gets the first block');
    await addNode(api, 'n2');
    await eventually(() => cidrOf(api, 'n2') === '10.244.1.0/24', 'n2 gets the second');
    assert.deepEqual(api.peek<Node>('nodes', '', 'n2')?.spec?.podCIDRs, ['10.244.1.0/24']);
    await api.delete('nodes', '', 'n1');
    await addNode(api, 'n3');
    await eventually(() => cidrOf(api, 'n3') === '10.244.0.0/24', 'n3 gets the released block');
  });

  it('after a restart, keeps existing assignments and does not hand them out again', async () => {
    const api = new FakeApi();
    const first = await start(api);
    await addNode(api, 'n1');
    await addNode(api, 'n2');
    await eventually(() => cidrOf(api, 'n1') && cidrOf(api, 'n2'), 'both assigned');
    await first.stop();
    await addNode(api, 'manual', '10.244.2.0/24');
    await addNode(api, 'foreign', '10.9.0.0/24'); // outside the cluster CIDR: left as it is
    await start(api);
    await addNode(api, 'n4');
    await eventually(() => cidrOf(api, 'n4') === '10.244.3.0/24', 'the next free block');
    assert.deepEqual([cidrOf(api, 'n1'), cidrOf(api, 'n2'), cidrOf(api, 'manual')].sort(), ['10.244.0.0/24', '10.244.1.0/24', '10.244.2.0/24']);
    assert.equal(cidrOf(api, 'foreign'), '10.9.0.0/24');
  });

  it('reports CIDRNotAvailable when the range is exhausted, and assigns once a block is freed', async () => {
    const api = new FakeApi();
    const { recorder } = await start(api, '10.10.0.0/23', 24);
    await addNode(api, 'a');
    await addNode(api, 'b');
    await eventually(() => cidrOf(api, 'a') && cidrOf(api, 'b'), 'two blocks used');
    await addNode(api, 'c');
    await eventually(() => recorder.events.find((e) => e.reason === 'CIDRNotAvailable'), 'the event');
    assert.deepEqual(recorder.events.find((e) => e.reason === 'CIDRNotAvailable'), { object: 'Node/c', type: 'Warning', reason: 'CIDRNotAvailable', message: 'Node c status is now: CIDRNotAvailable' });
    assert.equal(cidrOf(api, 'c'), undefined);
    const freed = cidrOf(api, 'a');
    await api.delete('nodes', '', 'a');
    await eventually(() => cidrOf(api, 'c') === freed, 'c gets the freed block');
  });

  it('a failed write frees the block and is retried', async () => {
    const api = new FakeApi();
    const { recorder, clock } = await start(api);
    api.failNext('patch', new Error('etcd is down'));
    await addNode(api, 'n1');
    await eventually(() => recorder.reasons().includes('CIDRAssignmentFailed'), 'the failure reported');
    assert.equal(cidrOf(api, 'n1'), undefined);
    // The retry (after the rate limiter's first few milliseconds) takes the same, lowest, block.
    await eventually(() => {
      clock.advance(1_000);
      return cidrOf(api, 'n1') === '10.244.0.0/24';
    }, 'assigned on retry');
  });
});
