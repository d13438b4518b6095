import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { findCondition, type Pod } from '@skiff/api';
import { eventually } from '../../testing/eventually.js';
import { addNode, addPod, advance, evicted, flush, harness, nodeOf, podOf, postStatus, readyOf, renewLease, taintKeys, type Harness } from './testing/harness.js';

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

async function start(o: Parameters<typeof harness>[0] = {}): Promise<Harness> {
  const h = await harness(o);
  running.push(h);
  return h;
}

/** A health pass now (time 0), so the nodes just registered are first seen at once, not 5 s later. */
async function observe(h: Harness): Promise<void> {
  await flush();
  await h.lifecycle.monitorNodeHealth();
}

const UNREACHABLE_NO_EXECUTE = 'node.kubernetes.io/unreachable:NoExecute';
const UNREACHABLE_NO_SCHEDULE = 'node.kubernetes.io/unreachable:NoSchedule';

describe('node lifecycle controller', () => {
  it('marks a node whose Lease stops Unknown after the grace period, not before; taints it; its pods go not Ready', async () => {
    const h = await start();
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await addPod(h, 'web-a', 'n1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]);
    await addPod(h, 'web-b', 'n2');
    await observe(h);

    // 40 s of silence from n1 (n2 keeps renewing): still Ready, untainted.
    await advance(h, 40_000, ['n2']);
    assert.equal(readyOf(nodeOf(h, 'n1'))?.status, 'True', 'not Unknown at the grace period itself');
    assert.deepEqual(taintKeys(nodeOf(h, 'n1')), []);

    // The next pass (45 s) finds it silent for longer than the grace period.
    await advance(h, 5_000, ['n2']);
    const ready = await eventually(() => (readyOf(nodeOf(h, 'n1'))?.status === 'Unknown' ? readyOf(nodeOf(h, 'n1')) : undefined), 'n1 Unknown');
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) assert.equal(findCondition(nodeOf(h, 'n1').status?.conditions, type)?.status, 'Unknown', type);
    await eventually(() => taintKeys(nodeOf(h, 'n1')).join() === [UNREACHABLE_NO_EXECUTE, UNREACHABLE_NO_SCHEDULE].join(), 'the unreachable taints');
    const noExecute = nodeOf(h, 'n1').spec?.taints?.find((t) => t.effect === 'NoExecute');
    assert.ok(noExecute?.timeAdded, 'the NoExecute taint records when it was added');

    await eventually(() => readyOf(podOf(h, 'web-a'))?.status === 'False', "web-a's Ready condition False");
    assert.equal(readyOf(podOf(h, 'web-b'))?.status, 'True', 'pods of the healthy node stay Ready');
    assert.equal(readyOf(nodeOf(h, 'n2'))?.status, 'True');
    assert.deepEqual(taintKeys(nodeOf(h, 'n2')), []);
    assert.ok(h.recorder.events.some((e) => e.object === 'Node/n1' && e.reason === 'NodeNotReady' && e.message === 'Node n1 status is now: NodeNotReady'));
    assert.ok(h.recorder.events.some((e) => e.object === 'Pod/default/web-a' && e.type === 'Warning' && e.reason === 'NodeNotReady' && e.message === 'Node is not ready'));
    assert.equal(evicted(podOf(h, 'web-a')), false, 'a pod tolerating the taint forever stays');
  });

  it('a Ready heartbeat keeps a node healthy without a Lease', async () => {
    const h = await start();
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await h.api.delete('leases', 'kube-node-lease', 'n1');
    for (let i = 0; i < 12; i++) {
      await postStatus(h, 'n1');
      await advance(h, 5_000, ['n2']);
    }
    assert.equal(readyOf(nodeOf(h, 'n1'))?.status, 'True');
  });

  it('evicts pods that do not tolerate the taint at once, and tolerating ones when tolerationSeconds run out', async () => {
    const h = await start();
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await addPod(h, 'plain', 'n1');
    await addPod(h, 'patient', 'n1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]);
    await addPod(h, 'elsewhere', 'n2');
    await observe(h);
    await advance(h, 45_000, ['n2']);
    await eventually(() => taintKeys(nodeOf(h, 'n1')).includes(UNREACHABLE_NO_EXECUTE), 'the taint');
    await eventually(() => evicted(podOf(h, 'plain')), 'the pod without a toleration to be deleted');
    assert.equal(podOf(h, 'plain')?.metadata.deletionTimestamp !== undefined, true, 'deleted gracefully: Terminating until its kubelet confirms');
    assert.equal(findCondition(podOf(h, 'plain')?.status?.conditions, 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
    assert.ok(h.recorder.events.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/plain'));

    await advance(h, 25_000, ['n2']);
    assert.equal(evicted(podOf(h, 'patient')), false, 'within its 30 s toleration');
    await advance(h, 10_000, ['n2']);
    await eventually(() => evicted(podOf(h, 'patient')), 'the tolerating pod deleted after 30 s');
    assert.equal(evicted(podOf(h, 'elsewhere')), false);
  });

  it('untaints a node that comes back and evicts nothing more', async () => {
    const h = await start();
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await addPod(h, 'patient', 'n1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]);
    await observe(h);
    await advance(h, 45_000, ['n2']);
    await eventually(() => taintKeys(nodeOf(h, 'n1')).includes(UNREACHABLE_NO_EXECUTE), 'the taint');
    await flush();
    assert.deepEqual(h.eviction.pending(), ['default/patient']);

    // The kubelet is back: a fresh Lease and Ready=True.
    await renewLease(h, 'n1');
    await postStatus(h, 'n1', 'True');
    await advance(h, 5_000, ['n1', 'n2']);
    await eventually(() => taintKeys(nodeOf(h, 'n1')).length === 0, 'the taints removed');
    await eventually(() => h.eviction.pending().length === 0, 'the eviction cancelled');
    assert.ok(h.recorder.events.some((e) => e.reason === 'TaintManagerEviction' && e.message === 'Cancelling deletion of Pod default/patient'));
    await advance(h, 90_000, ['n1', 'n2']);
    assert.equal(evicted(podOf(h, 'patient')), false, 'nothing evicted after the node came back');
    assert.equal(readyOf(nodeOf(h, 'n1'))?.status, 'True');
  });

  it('uses the not-ready taint when the kubelet reports Ready=False, swapping it for unreachable when it falls silent', async () => {
    const h = await start();
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await postStatus(h, 'n1', 'False');
    await advance(h, 5_000, ['n1', 'n2']);
    await eventually(() => taintKeys(nodeOf(h, 'n1')).join() === 'node.kubernetes.io/not-ready:NoExecute,node.kubernetes.io/not-ready:NoSchedule', 'the not-ready taints');
    await advance(h, 50_000, ['n2']);
    await eventually(() => taintKeys(nodeOf(h, 'n1')).join() === [UNREACHABLE_NO_EXECUTE, UNREACHABLE_NO_SCHEDULE].join(), 'swapped for the unreachable taints');
  });

  it('gives a node that never posted status the startup grace period', async () => {
    const h = await start({ options: { nodeStartupGracePeriodMs: 60_000 } });
    await addNode(h, 'n1', { ready: 'none' });
    await addNode(h, 'n2');
    await h.api.delete('leases', 'kube-node-lease', 'n1');
    await observe(h);
    await advance(h, 45_000, ['n2']);
    assert.equal(readyOf(nodeOf(h, 'n1')), undefined);
    await advance(h, 20_000, ['n2']);
    const ready = await eventually(() => readyOf(nodeOf(h, 'n1')), 'a Ready condition');
    assert.equal(ready.status, 'Unknown');
    assert.equal(ready.reason, 'NodeStatusNeverUpdated');
    assert.equal(ready.message, 'Kubelet never posted node status.');
  });

  it('evicts nothing while every node is down (full disruption)', async () => {
    const h = await start();
    await addNode(h, 'only');
    await addPod(h, 'web', 'only');
    await advance(h, 60_000);
    await eventually(() => readyOf(nodeOf(h, 'only'))?.status === 'Unknown', 'Unknown');
    await advance(h, 10_000);
    assert.ok(!taintKeys(nodeOf(h, 'only')).includes(UNREACHABLE_NO_EXECUTE), 'no NoExecute taint');
    assert.equal(evicted(podOf(h, 'web')), false);
  });

  it('taints nodes of a zone at --node-eviction-rate', async () => {
    const h = await start({ options: { nodeEvictionRate: 0.1 } });
    for (const n of ['a', 'b', 'c']) await addNode(h, n);
    await observe(h);
    await advance(h, 45_000, ['c']);
    await eventually(() => ['a', 'b'].every((n) => readyOf(nodeOf(h, n))?.status === 'Unknown'), 'a and b Unknown');
    await flush();
    const tainted = (): string[] => ['a', 'b'].filter((n) => taintKeys(nodeOf(h, n)).includes(UNREACHABLE_NO_EXECUTE));
    assert.equal(tainted().length, 1, 'one node at once');
    await advance(h, 5_000, ['c']);
    assert.equal(tainted().length, 1, 'the next only after 1/rate = 10 s');
    await advance(h, 5_000, ['c']);
    await eventually(() => tainted().length === 2, 'both tainted after 10 s');
  });

  it('keeps the cordon taint in step with spec.unschedulable', async () => {
    const h = await start();
    await addNode(h, 'n1');
    await h.api.patch('nodes', '', 'n1', { spec: { unschedulable: true } });
    await eventually(() => taintKeys(nodeOf(h, 'n1')).join() === 'node.kubernetes.io/unschedulable:NoSchedule', 'the unschedulable taint');
    await h.api.patch('nodes', '', 'n1', { spec: { unschedulable: null } });
    await eventually(() => taintKeys(nodeOf(h, 'n1')).length === 0, 'the taint removed on uncordon');
  });

  it('marks a pod newly bound to a not-Ready node not Ready', async () => {
    const h = await start();
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await observe(h);
    await advance(h, 45_000, ['n2']);
    await eventually(() => readyOf(nodeOf(h, 'n1'))?.status === 'Unknown', 'Unknown');
    // Scheduled (bound) only now, as Ready as a pod can be.
    const pod = await h.api.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'late', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }], tolerations: [{ operator: 'Exists' }] } });
    await h.api.updateStatus('pods', { ...pod, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
    await flush();
    await h.api.bind('default', 'late', 'n1');
    await eventually(() => readyOf(podOf(h, 'late'))?.status === 'False', 'the late pod not Ready');
  });

  it('removes stale NoExecute taints of nodes it starts with (markNodeAsReachable)', async () => {
    const h = await start({ lifecycle: false });
    await addNode(h, 'n1', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'dedicated', value: 'x', effect: 'NoSchedule' }] });
    await flush();
    await h.lifecycle.monitorNodeHealth();
    await eventually(() => taintKeys(nodeOf(h, 'n1')).join() === 'dedicated:NoSchedule', 'only the foreign taint left');
    assert.ok(h.recorder.events.some((e) => e.object === 'Node/n1' && e.reason === 'RegisteredNode'));
  });
});

