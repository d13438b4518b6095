import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { findCondition, type Node, type Pod } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock, Informer } from '@skiff/machinery';
import { Registry } from 'prom-client';
import { SchedulerMetrics, type AttemptResult } from './metrics.js';
import { Scheduler } from './scheduler.js';
import { FakeEventRecorder as FakeRecorder } from '@skiff/machinery/testing/fake-event-recorder';
import { makeNode, makePod } from './testing/fixtures.js';

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

interface Harness {
  api: FakeApi;
  /** The bind calls, as pod key and node. */
  readonly binds: { pod: string; node: string }[];
  /** The pods sent to pods/status. */
  readonly statusUpdates: Pod[];
  /** The resourceVersion of a pod as stored now (after the scheduler's last write to it). */
  storedVersion(key: string): string | undefined;
  clock: FakeClock;
  recorder: FakeRecorder;
  metrics: SchedulerMetrics;
  podInformer: Informer<Pod>;
  nodeInformer: Informer<Node>;
  attempts(result: AttemptResult): Promise<number>;
  pending(queue: string): Promise<number>;
  stop(): Promise<void>;
}

const running: Harness[] = [];
afterEach(async () => {
  for (const h of running.splice(0)) await h.stop();
});

async function start(nodes: Node[], pods: Pod[], opts: { holdWatches?: boolean } = {}): Promise<Harness> {
  const api = new FakeApi();
  for (const n of nodes) await api.create('nodes', n);
  for (const p of pods) {
    if (!p.metadata.deletionTimestamp) {
      await api.create('pods', p);
      continue;
    }
    // Only the apiserver sets deletionTimestamp: create the pod, kept by a finalizer, then delete it.
    await api.create('pods', { ...p, metadata: { ...p.metadata, finalizers: ['skiff.io/test'] } });
    await api.delete('pods', p.metadata.namespace ?? '', p.metadata.name ?? '');
  }
  if (opts.holdWatches) api.holdWatches();
  const clock = new FakeClock();
  const podInformer = new Informer<Pod>(api, 'pods', { clock });
  const nodeInformer = new Informer<Node>(api, 'nodes', { clock });
  const recorder = new FakeRecorder();
  const metrics = new SchedulerMetrics(new Registry());
  const scheduler = new Scheduler({
    client: api,
    pods: podInformer,
    nodes: nodeInformer,
    recorder,
    metrics,
    log: silentLogger(),
    clock,
    random: () => 0,
  });
  const ac = new AbortController();
  podInformer.start(ac.signal);
  nodeInformer.start(ac.signal);
  const done = scheduler.run(ac.signal);
  const h: Harness = {
    api,
    get binds() {
      return api.calls.filter((c) => c.verb === 'bind').map((c) => ({ pod: `${c.namespace}/${c.name}`, node: String(c.body) }));
    },
    get statusUpdates() {
      return api.calls.filter((c) => c.verb === 'updateStatus' && c.resource === 'pods').map((c) => c.body as Pod);
    },
    storedVersion: (key) => api.peek<Pod>('pods', key.split('/')[0] ?? '', key.split('/')[1] ?? '')?.metadata.resourceVersion,
    clock,
    recorder,
    metrics,
    podInformer,
    nodeInformer,
    async attempts(result) {
      const m = await metrics.scheduleAttempts.get();
      return m.values.find((v) => v.labels['result'] === result)?.value ?? 0;
    },
    async pending(queue) {
      const m = await metrics.pendingPods.get();
      return m.values.find((v) => v.labels['queue'] === queue)?.value ?? 0;
    },
    async stop() {
      ac.abort();
      await done;
    },
  };
  running.push(h);
  return h;
}

describe('Scheduler', () => {
  it('binds a pending pod and records the Scheduled event', async () => {
    const h = await start([makeNode('node-1', { memory: '1Gi' }), makeNode('node-2', { memory: '4Gi' })], [makePod('web-x', { memory: '2Gi' })]);
    await until(() => h.binds.length === 1, 'the bind');
    assert.deepEqual(h.binds, [{ pod: 'default/web-x', node: 'node-2' }]);
    await until(() => h.recorder.events.length === 1, 'the event');
    assert.deepEqual(h.recorder.events[0], {
      object: 'Pod/default/web-x',
      type: 'Normal',
      reason: 'Scheduled',
      message: 'Successfully assigned default/web-x to node-2',
    });
    assert.equal(await h.attempts('scheduled'), 1);
    const sli = await h.metrics.podSchedulingSliDuration.get();
    assert.equal(sli.values.find((v) => v.metricName === 'scheduler_pod_scheduling_sli_duration_seconds_count')?.labels['attempts'], '1');
  });

  it('assumes bound pods: two pods needing 60% of the only node memory → one bound, one unschedulable', async () => {
    const h = await start(
      [makeNode('node-1', { memory: '1000Mi' })],
      [makePod('a', { memory: '600Mi' }), makePod('b', { memory: '600Mi' })],
      { holdWatches: true }, // the first binding does not come back through the watch before the second decision
    );
    await until(() => h.binds.length === 1 && h.statusUpdates.length === 1, 'one bind and one status update');
    const bound = h.binds[0]?.pod;
    const other = bound === 'default/a' ? 'default/b' : 'default/a';
    const message = '0/1 nodes are available: 1 Insufficient memory.';
    const cond = findCondition(h.statusUpdates[0]?.status?.conditions, 'PodScheduled');
    assert.equal(`${h.statusUpdates[0]?.metadata.namespace}/${h.statusUpdates[0]?.metadata.name}`, other);
    assert.deepEqual([cond?.status, cond?.reason, cond?.message], ['False', 'Unschedulable', message]);
    assert.ok(h.recorder.events.some((e) => e.object === `Pod/${other}` && e.type === 'Warning' && e.reason === 'FailedScheduling' && e.message === message));
    assert.equal(await h.pending('unschedulable'), 1);

    // Our own status write comes back through the watch: it must not retry the parked pod.
    h.api.releaseWatches();
    const written = h.storedVersion(other);
    await until(() => h.podInformer.get(other)?.metadata.resourceVersion === written, 'the informer sees the status write');
    assert.equal(await h.pending('unschedulable'), 1, 'still parked');
    assert.equal(await h.attempts('unschedulable'), 1);

    // Deleting the bound pod frees the memory: the parked pod is retried (after its backoff) and bound.
    await h.api.delete('pods', 'default', (bound ?? '').split('/')[1] ?? '', { gracePeriodSeconds: 0 });
    await until(async () => (await h.pending('backoff')) === 1 || h.binds.length === 2, 'moved to backoff');
    h.clock.advance(1000);
    await until(() => h.binds.length === 2, 'the second bind');
    assert.deepEqual(h.binds[1], { pod: other, node: 'node-1' });
  });

  it('retries an unschedulable pod when a node is added', async () => {
    const h = await start([makeNode('small', { cpu: '1' })], [makePod('big', { cpu: '2' })]);
    await until(() => h.statusUpdates.length === 1, 'unschedulable');
    assert.equal(findCondition(h.statusUpdates[0]?.status?.conditions, 'PodScheduled')?.message, '0/1 nodes are available: 1 Insufficient cpu.');
    await h.api.create('nodes', makeNode('large', { cpu: '4' }));
    await until(() => h.binds.length === 1 || h.clock.pending() > 1, 'move');
    h.clock.advance(1000);
    await until(() => h.binds.length === 1, 'bound to the new node');
    assert.deepEqual(h.binds[0], { pod: 'default/big', node: 'large' });
  });

  it('ignores a node heartbeat, retries periodically, and writes the condition only when it changes', async () => {
    const node = makeNode('node-1', { cpu: '1' });
    const h = await start([node], [makePod('big', { cpu: '2' })]);
    await until(() => h.statusUpdates.length === 1, 'unschedulable');
    const written = h.storedVersion('default/big');
    await until(() => h.podInformer.get('default/big')?.metadata.resourceVersion === written, 'the informer sees the status write');

    const heartbeat = h.api.peek<Node>('nodes', '', node.metadata.name ?? '') as Node;
    heartbeat.status?.conditions?.forEach((c) => (c.lastHeartbeatTime = '2030-01-01T00:00:00Z'));
    const beat = await h.api.updateStatus('nodes', heartbeat);
    await until(() => h.nodeInformer.get('node-1')?.metadata.resourceVersion === beat.metadata.resourceVersion, 'the heartbeat seen');
    assert.equal(await h.pending('unschedulable'), 1, 'a heartbeat does not retry');

    h.clock.advance(29_999);
    assert.equal(await h.pending('unschedulable'), 1, 'not retried before 30 s');
    h.clock.advance(10_000);
    await until(async () => (await h.attempts('unschedulable')) === 2, 'the periodic retry');
    assert.equal(h.statusUpdates.length, 1, 'same message: no second status write');
    assert.equal(h.recorder.events.filter((e) => e.reason === 'FailedScheduling').length, 2);
  });

  it('leaves alone pods that are bound, terminating or for another scheduler', async () => {
    const h = await start(
      [makeNode('node-1')],
      [
        makePod('bound', { nodeName: 'node-1' }),
        makePod('other', { schedulerName: 'my-scheduler' }),
        makePod('going', { deleting: true }),
        makePod('mine', { schedulerName: 'default-scheduler' }),
      ],
    );
    await until(() => h.recorder.events.length === 1, 'the Scheduled event');
    assert.deepEqual(h.binds, [{ pod: 'default/mine', node: 'node-1' }]);
    assert.deepEqual([await h.attempts('scheduled'), await h.attempts('unschedulable'), await h.attempts('error')], [1, 0, 0]);
  });

  it('spreads a ReplicaSet of 3 over 2 nodes, 2 + 1', async () => {
    const h = await start(
      [makeNode('node-1'), makeNode('node-2')],
      ['web-a', 'web-b', 'web-c'].map((n) => makePod(n, { owner: 'web', cpu: '100m' })),
      { holdWatches: true },
    );
    await until(() => h.binds.length === 3, 'three binds');
    const perNode = ['node-1', 'node-2'].map((n) => h.binds.filter((b) => b.node === n).length).sort();
    assert.deepEqual(perNode, [1, 2]);
  });
});
