import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newNodeInfo } from '../framework/snapshot.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { NodeUnschedulable } from './node-unschedulable.js';

describe('NodeUnschedulable', () => {
  it('passes a schedulable node', () => {
    assert.deepEqual(NodeUnschedulable.filter(makePod('p'), newNodeInfo(makeNode('n', { unschedulable: false }))), { ok: true });
  });

  it('rejects a cordoned node with Kubernetes wording', () => {
    assert.deepEqual(NodeUnschedulable.filter(makePod('p'), newNodeInfo(makeNode('n', { unschedulable: true }))), {
      ok: false,
      reasons: ['node(s) were unschedulable'],
    });
  });

  it('lets a pod that tolerates node.kubernetes.io/unschedulable through', () => {
    const pod = makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    assert.equal(NodeUnschedulable.filter(pod, newNodeInfo(makeNode('n', { unschedulable: true }))).ok, true);
  });
});
