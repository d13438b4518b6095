import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeNode, makePod } from '../testing/fixtures.js';
import { assumePod, buildSnapshot } from './snapshot.js';

describe('buildSnapshot', () => {
  it('groups non-terminated bound pods by node and sums their requests', () => {
    const snap = buildSnapshot(
      [makeNode('b'), makeNode('a')],
      [
        makePod('p1', { nodeName: 'a', cpu: '100m', memory: '1Mi' }),
        makePod('p2', { nodeName: 'a', cpu: '200m' }),
        makePod('done', { nodeName: 'a', cpu: '1', phase: 'Succeeded' }),
        makePod('failed', { nodeName: 'b', cpu: '1', phase: 'Failed' }),
        makePod('pending', { cpu: '1' }),
        makePod('elsewhere', { nodeName: 'gone', cpu: '1' }),
      ],
    );
    assert.deepEqual(
      snap.nodes.map((n) => n.name),
      ['a', 'b'],
    );
    const [a, b] = snap.nodes;
    assert.deepEqual(
      a?.pods.map((p) => p.metadata.name),
      ['p1', 'p2'],
    );
    assert.deepEqual(a?.requested, { milliCpu: 300, memory: 2 ** 20 });
    assert.equal(b?.pods.length, 0);
  });

  it('counts a pod listed twice (cache and assumed) once', () => {
    const pod = makePod('p', { nodeName: 'a', cpu: '1' });
    const snap = buildSnapshot([makeNode('a')], [pod, pod]);
    assert.equal(snap.nodes[0]?.requested.milliCpu, 1000);
  });

  it('assumePod returns a new snapshot with the pod on the node, leaving the old one alone', () => {
    const snap = buildSnapshot([makeNode('a'), makeNode('b')], []);
    const next = assumePod(snap, makePod('p', { cpu: '500m' }), 'b');
    assert.equal(next.nodes[1]?.requested.milliCpu, 500);
    assert.equal(next.nodes[1]?.pods[0]?.spec.nodeName, 'b');
    assert.equal(snap.nodes[1]?.pods.length, 0);
  });
});
