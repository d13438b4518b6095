import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newNodeInfo } from '../framework/snapshot.js';
import { makeNode, makePod } from '../testing/fixtures.js';
import { NodeAffinity } from './node-affinity.js';

describe('NodeAffinity (nodeSelector)', () => {
  const node = newNodeInfo(makeNode('n', { labels: { disktype: 'ssd', zone: 'a' } }));

  it('passes without a nodeSelector', () => {
    assert.equal(NodeAffinity.filter(makePod('p'), node).ok, true);
  });

  it('passes when every key=value matches', () => {
    assert.equal(NodeAffinity.filter(makePod('p', { nodeSelector: { disktype: 'ssd', zone: 'a' } }), node).ok, true);
  });

  it('rejects a different value or a missing label', () => {
    const want = { ok: false, reasons: ["node(s) didn't match Pod's node affinity/selector"] };
    assert.deepEqual(NodeAffinity.filter(makePod('p', { nodeSelector: { disktype: 'hdd' } }), node), want);
    assert.deepEqual(NodeAffinity.filter(makePod('p', { nodeSelector: { gpu: '' } }), node), want);
  });
});
