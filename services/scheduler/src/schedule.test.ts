import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assumePod, buildSnapshot } from './framework/snapshot.js';
import { fitErrorMessage, NO_NODES_AVAILABLE, schedulePod } from './schedule.js';
import { makeNode, makePod } from './testing/fixtures.js';

describe('fitErrorMessage', () => {
  it('counts each reason over nodes, sorts the entries as strings, joins with ", " and ends with "."', () => {
    const msg = fitErrorMessage(5, [
      ['Insufficient memory'],
      ['Insufficient cpu', 'Insufficient memory'],
      ["node(s) didn't match Pod's node affinity/selector"],
      ['node(s) had untolerated taint {dedicated: gpu}'],
      ['Insufficient memory'],
    ]);
    assert.equal(
      msg,
      "0/5 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, " +
        '1 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient memory.',
    );
  });
});

describe('schedulePod', () => {
  it('gives the Kubernetes message when no node has the memory', () => {
    const snap = buildSnapshot([makeNode('node-1', { memory: '1Gi' }), makeNode('node-2', { memory: '1Gi' })], []);
    const res = schedulePod(makePod('big', { memory: '2Gi' }), snap);
    assert.ok('unschedulable' in res);
    assert.equal(res.unschedulable, '0/2 nodes are available: 2 Insufficient memory.');
  });

  it('reports mixed reasons, one filter per node (the first that rejects)', () => {
    const snap = buildSnapshot(
      [
        makeNode('a', { ready: 'False', unschedulable: true }),
        makeNode('b', { unschedulable: true }),
        makeNode('c', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
        makeNode('d', { labels: { disktype: 'hdd' } }),
        makeNode('e', { labels: { disktype: 'ssd' }, cpu: '1', memory: '1Gi' }),
      ],
      [],
    );
    const res = schedulePod(makePod('p', { cpu: '2', memory: '2Gi', nodeSelector: { disktype: 'ssd' } }), snap);
    assert.ok('unschedulable' in res);
    assert.equal(
      res.unschedulable,
      "0/5 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) didn't match Pod's node affinity/selector, " +
        '1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were not ready, 1 node(s) were unschedulable.',
    );
    assert.deepEqual(res.nodeReasons.get('a'), ['node(s) were not ready']);
  });

  it('answers "no nodes available" when there are no nodes', () => {
    const res = schedulePod(makePod('p'), buildSnapshot([], []));
    assert.deepEqual('unschedulable' in res && res.unschedulable, NO_NODES_AVAILABLE);
  });

  it('picks the only feasible node', () => {
    const snap = buildSnapshot([makeNode('a', { memory: '1Gi' }), makeNode('b', { memory: '4Gi' })], []);
    assert.deepEqual(schedulePod(makePod('p', { memory: '2Gi' }), snap), { node: 'b', feasibleNodes: 1 });
  });

  it('prefers the less loaded node', () => {
    const snap = buildSnapshot([makeNode('a'), makeNode('b')], [makePod('x', { nodeName: 'a', cpu: '2', memory: '4Gi' })]);
    const res = schedulePod(makePod('p', { cpu: '100m' }), snap);
    assert.equal('node' in res && res.node, 'b');
  });

  it('spreads a ReplicaSet of 3 over 2 equal nodes as 2 + 1, never 3 + 0', () => {
    for (const random of [() => 0, () => 0.99, Math.random]) {
      let snap = buildSnapshot([makeNode('node-1'), makeNode('node-2')], []);
      const placed: string[] = [];
      for (const name of ['web-a', 'web-b', 'web-c']) {
        const pod = makePod(name, { owner: 'web', cpu: '100m', memory: '64Mi' });
        const res = schedulePod(pod, snap, { random });
        assert.ok('node' in res);
        placed.push(res.node);
        snap = assumePod(snap, pod, res.node);
      }
      const counts = ['node-1', 'node-2'].map((n) => placed.filter((p) => p === n).length).sort();
      assert.deepEqual(counts, [1, 2], placed.join(','));
    }
  });

  it('spreads replicas even when an unrelated pod makes one node busier', () => {
    let snap = buildSnapshot([makeNode('node-1'), makeNode('node-2')], [makePod('db', { nodeName: 'node-2', cpu: '500m', memory: '512Mi' })]);
    const placed: string[] = [];
    for (const name of ['web-a', 'web-b', 'web-c', 'web-d']) {
      const pod = makePod(name, { owner: 'web', cpu: '100m', memory: '64Mi' });
      const res = schedulePod(pod, snap);
      assert.ok('node' in res);
      placed.push(res.node);
      snap = assumePod(snap, pod, res.node);
    }
    assert.equal(placed.filter((p) => p === 'node-1').length, 2, placed.join(','));
  });

  it('breaks ties with the random source', () => {
    const snap = buildSnapshot([makeNode('a'), makeNode('b')], []);
    const pick = (r: number): string | undefined => {
      const res = schedulePod(makePod('p'), snap, { random: () => r });
      return 'node' in res ? res.node : undefined;
    };
    assert.equal(pick(0), 'a');
    assert.equal(pick(0.7), 'b');
  });
});
