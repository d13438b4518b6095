import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Taint } from '@skiff/api';
import { eventually } from '../../testing/eventually.js';
import { addNode, addPod, evicted, flush, harness, podOf, type Harness } from './testing/harness.js';

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

const GPU: Taint = { key: 'example.com/maintenance', value: 'true', effect: 'NoExecute' };

/** Only the taint eviction controller runs: the test taints nodes itself. */
async function start(): Promise<Harness> {
  const h = await harness({ lifecycle: false });
  running.push(h);
  await addNode(h, 'n1');
  return h;
}

async function taint(h: Harness, taints: Taint[] | null): Promise<void> {
  await h.api.patch('nodes', '', 'n1', { spec: { taints } });
  await flush();
}

async function advance(h: Harness, ms: number): Promise<void> {
  h.clock.advance(ms);
  await flush();
}

describe('taint eviction controller', () => {
  it('deletes a pod that does not tolerate a NoExecute taint at once, with an event', async () => {
    const h = await start();
    await addPod(h, 'web-x', 'n1');
    await addPod(h, 'tolerant', 'n1', [{ key: GPU.key, operator: 'Equal', value: 'true', effect: 'NoExecute' }]);
    await addPod(h, 'wrong-value', 'n1', [{ key: GPU.key, operator: 'Equal', value: 'false' }]);
    await flush();
    await taint(h, [GPU]);
    await eventually(() => evicted(podOf(h, 'web-x')) && evicted(podOf(h, 'wrong-value')), 'the intolerant pods deleted');
    assert.equal(evicted(podOf(h, 'tolerant')), false, 'a toleration without tolerationSeconds tolerates forever');
    assert.deepEqual(
      h.recorder.events.filter((e) => e.reason === 'TaintManagerEviction').map((e) => e.message).sort(),
      ['Marking for deletion Pod default/web-x', 'Marking for deletion Pod default/wrong-value'],
    );
  });

  it('ignores NoSchedule taints', async () => {
    const h = await start();
    await addPod(h, 'web-x', 'n1');
    await taint(h, [{ key: 'dedicated', effect: 'NoSchedule' }]);
    await advance(h, 600_000);
    assert.equal(evicted(podOf(h, 'web-x')), false);
  });

  it('deletes a tolerating pod when the least tolerationSeconds run out, not before', async () => {
    const h = await start();
    await addPod(h, 'web-x', 'n1', [
      { key: GPU.key, operator: 'Exists', tolerationSeconds: 20 },
      { operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    await flush();
    await taint(h, [GPU]);
    assert.deepEqual(h.eviction.pending(), ['default/web-x']);
    await advance(h, 19_999);
    assert.equal(evicted(podOf(h, 'web-x')), false);
    await advance(h, 1);
    await eventually(() => evicted(podOf(h, 'web-x')), 'deleted after 20 s');
  });

  it('a pod bound to an already tainted node is handled too', async () => {
    const h = await start();
    await taint(h, [GPU]);
    await addPod(h, 'late', 'n1', [{ operator: 'Exists', tolerationSeconds: 5 }]);
    await flush();
    await advance(h, 5_000);
    await eventually(() => evicted(podOf(h, 'late')), 'the late pod deleted after its 5 s');
  });

  it('cancels a pending eviction when the taint goes, with an event', async () => {
    const h = await start();
    await addPod(h, 'web-x', 'n1', [{ operator: 'Exists', tolerationSeconds: 30 }]);
    await flush();
    await taint(h, [GPU]);
    await advance(h, 10_000);
    await taint(h, null);
    assert.deepEqual(h.eviction.pending(), []);
    assert.ok(h.recorder.events.some((e) => e.message === 'Cancelling deletion of Pod default/web-x'));
    await advance(h, 60_000);
    assert.equal(evicted(podOf(h, 'web-x')), false);
  });

  it('keeps the first deadline when another taint comes (counted from when the first was seen)', async () => {
    const h = await start();
    await addPod(h, 'web-x', 'n1', [{ operator: 'Exists', tolerationSeconds: 30 }]);
    await flush();
    await taint(h, [GPU]);
    await advance(h, 20_000);
    await taint(h, [GPU, { key: 'other', effect: 'NoExecute' }]);
    await advance(h, 10_000);
    await eventually(() => evicted(podOf(h, 'web-x')), 'deleted 30 s after the first taint');
  });
});
