import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newNodeInfo } from '../framework/snapshot.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { TaintToleration } from './taint-toleration.js';

describe('TaintToleration', () => {
  const tainted = newNodeInfo(makeNode('n', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));

  it('rejects an untolerated NoSchedule taint with its key and value', () => {
    assert.deepEqual(TaintToleration.filter(makePod('p'), tainted), {
      ok: false,
      reasons: ['node(s) had untolerated taint {dedicated: gpu}'],
    });
  });

  it('rejects an untolerated NoExecute taint, an empty value shown empty', () => {
    const node = newNodeInfo(makeNode('n', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }));
    assert.deepEqual(TaintToleration.filter(makePod('p'), node), {
      ok: false,
      reasons: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'],
    });
  });

  it('ignores PreferNoSchedule', () => {
    const node = newNodeInfo(makeNode('n', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }));
    assert.equal(TaintToleration.filter(makePod('p'), node).ok, true);
  });

  it('accepts Equal and Exists tolerations, and the empty-key Exists wildcard', () => {
    for (const tolerations of [
      [{ key: 'dedicated', operator: 'Equal' as const, value: 'gpu', effect: 'NoSchedule' as const }],
      [{ key: 'dedicated', operator: 'Exists' as const }],
      [{ operator: 'Exists' as const }],
    ]) {
      assert.equal(TaintToleration.filter(makePod('p', { tolerations }), tainted).ok, true, JSON.stringify(tolerations));
    }
  });

  it('rejects a toleration with the wrong value or effect', () => {
    for (const tolerations of [
      [{ key: 'dedicated', operator: 'Equal' as const, value: 'tpu' }],
      [{ key: 'dedicated', operator: 'Exists' as const, effect: 'NoExecute' as const }],
    ]) {
      assert.equal(TaintToleration.filter(makePod('p', { tolerations }), tainted).ok, false, JSON.stringify(tolerations));
    }
  });
});
