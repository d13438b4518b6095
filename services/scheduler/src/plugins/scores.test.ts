import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSnapshot, newNodeInfo } from '../framework/snapshot.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { BalancedAllocation } from './balanced-allocation.js';
import { LeastAllocated, leastRequestedScore } from './least-allocated.js';
import { SelectorSpread } from './selector-spread.js';

const EMPTY = { nodes: [] };

describe('LeastAllocated', () => {
  it('leastRequestedScore is integer (cap - req) * 100 / cap, 0 when over', () => {
    assert.equal(leastRequestedScore(0, 1000), 100);
    assert.equal(leastRequestedScore(333, 1000), 66);
    assert.equal(leastRequestedScore(1001, 1000), 0);
    assert.equal(leastRequestedScore(0, 0), 0);
  });

  it('prefers the emptier node and averages cpu and memory', () => {
    const pod = makePod('p', { cpu: '1', memory: '1Gi' });
    const empty = newNodeInfo(makeNode('a', { cpu: '4', memory: '4Gi' }));
    const busy = newNodeInfo(makeNode('b', { cpu: '4', memory: '4Gi' }), [makePod('x', { nodeName: 'b', cpu: '2', memory: '2Gi' })]);
    assert.equal(LeastAllocated.score(pod, empty), 75);
    assert.equal(LeastAllocated.score(pod, busy), 25);
  });

  it('counts 100m / 200Mi for pods without requests, so they spread too', () => {
    const pod = makePod('p');
    const a = newNodeInfo(makeNode('a', { cpu: '1', memory: '1000Mi' }));
    const b = newNodeInfo(makeNode('b', { cpu: '1', memory: '1000Mi' }), [makePod('x', { nodeName: 'b' })]);
    assert.equal(LeastAllocated.score(pod, a), 85); // cpu 90, memory 80
    assert.ok(LeastAllocated.score(pod, b) < LeastAllocated.score(pod, a));
  });
});

describe('BalancedAllocation', () => {
  it('scores 100 when cpu and memory fractions are equal, less as they diverge', () => {
    const node = newNodeInfo(makeNode('a', { cpu: '4', memory: '4Gi' }));
    assert.equal(BalancedAllocation.score(makePod('p', { cpu: '1', memory: '1Gi' }), node), 100);
    assert.equal(BalancedAllocation.score(makePod('p', { cpu: '2', memory: '0' }), node), 75);
  });
});

describe('SelectorSpread', () => {
  it('prefers nodes with fewer pods of the same controller', () => {
    const snap = buildSnapshot(
      [makeNode('a'), makeNode('b'), makeNode('c')],
      [
        makePod('w1', { nodeName: 'a', owner: 'web' }),
        makePod('w2', { nodeName: 'a', owner: 'web' }),
        makePod('w3', { nodeName: 'b', owner: 'web' }),
        makePod('o1', { nodeName: 'c', owner: 'other' }),
        makePod('o2', { nodeName: 'c', owner: 'other' }),
      ],
    );
    const pod = makePod('new', { owner: 'web' });
    const [a, b, c] = snap.nodes;
    assert.ok(a && b && c);
    assert.equal(SelectorSpread.score(pod, a, snap), 0);
    assert.equal(SelectorSpread.score(pod, b, snap), 50);
    assert.equal(SelectorSpread.score(pod, c, snap), 100);
  });

  it('ignores terminating siblings and pods of the same-named owner in another namespace', () => {
    const snap = buildSnapshot(
      [makeNode('a'), makeNode('b')],
      [makePod('w1', { nodeName: 'a', owner: 'web', deleting: true }), makePod('w2', { nodeName: 'b', owner: 'web', namespace: 'other' })],
    );
    const pod = makePod('new', { owner: 'web' });
    assert.deepEqual(
      snap.nodes.map((n) => SelectorSpread.score(pod, n, snap)),
      [100, 100],
    );
  });

  it('scores every node the same for a pod without a controller', () => {
    const node = newNodeInfo(makeNode('a'), [makePod('x', { nodeName: 'a' })]);
    assert.equal(SelectorSpread.score(makePod('p'), node, EMPTY), 100);
  });
});
