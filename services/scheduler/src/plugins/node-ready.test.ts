import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newNodeInfo } from '../framework/snapshot.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { NodeReady } from './node-ready.js';

describe('NodeReady', () => {
  it('passes a Ready node', () => {
    assert.equal(NodeReady.filter(makePod('p'), newNodeInfo(makeNode('n'))).ok, true);
  });

  for (const ready of ['False', 'Unknown', 'missing'] as const) {
    it(`rejects a node whose Ready condition is ${ready}`, () => {
      assert.deepEqual(NodeReady.filter(makePod('p'), newNodeInfo(makeNode('n', { ready }))), {
        ok: false,
        reasons: ['node(s) were not ready'],
      });
    });
  }

  it('lets a pod tolerating the not-ready taint onto a NotReady node, not onto an unreachable one', () => {
    const pod = makePod('p', { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] });
    assert.equal(NodeReady.filter(pod, newNodeInfo(makeNode('n', { ready: 'False' }))).ok, true);
    assert.equal(NodeReady.filter(pod, newNodeInfo(makeNode('n', { ready: 'Unknown' }))).ok, false);
  });
});
