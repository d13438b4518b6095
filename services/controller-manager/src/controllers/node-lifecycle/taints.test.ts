import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Taint, Toleration } from '@skiff/api';
import { desiredNoScheduleTaints, matchingTolerations, minTolerationMs, ownedNoScheduleTaints, swapTaints } from './taints.js';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const custom: Taint = { key: 'dedicated', value: 'db', effect: 'NoExecute' };

describe('taints and tolerations', () => {
  it('matches tolerations as ToleratesTaint does', () => {
    const ok = (t: Toleration, taint: Taint = custom): boolean => matchingTolerations([taint], [t]).allTolerated;
    assert.equal(ok({ key: 'dedicated', operator: 'Equal', value: 'db' }), true);
    assert.equal(ok({ key: 'dedicated', value: 'db' }), true, 'no operator means Equal');
    assert.equal(ok({ key: 'dedicated', operator: 'Equal', value: 'web' }), false);
    assert.equal(ok({ key: 'dedicated', operator: 'Exists' }), true);
    assert.equal(ok({ operator: 'Exists' }), true, 'empty key with Exists matches every taint');
    assert.equal(ok({ operator: 'Exists', effect: 'NoSchedule' }), false, 'the effect must match when given');
    assert.equal(ok({ key: 'other', operator: 'Exists' }), false);
    assert.deepEqual(matchingTolerations([custom, unreachable], [{ key: 'dedicated', operator: 'Exists' }]), { allTolerated: false, used: [] });
  });

  it('takes the least tolerationSeconds of the tolerations used', () => {
    assert.equal(minTolerationMs([{ tolerationSeconds: 300 }, { tolerationSeconds: 20 }, {}]), 20_000);
    assert.equal(minTolerationMs([{}]), Infinity);
    assert.equal(minTolerationMs([{ tolerationSeconds: -5 }]), 0);
    assert.equal(minTolerationMs([]), 0);
  });

  it('maps conditions and cordon to NoSchedule taints', () => {
    const c = (type: string, status: 'True' | 'False' | 'Unknown') => ({ type, status });
    assert.deepEqual(desiredNoScheduleTaints([c('Ready', 'Unknown'), c('MemoryPressure', 'True'), c('DiskPressure', 'False')], true).map((t) => t.key), [
      'node.kubernetes.io/unreachable',
      'node.kubernetes.io/memory-pressure',
      'node.kubernetes.io/unschedulable',
    ]);
    assert.deepEqual(desiredNoScheduleTaints([c('Ready', 'False')], false), [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
    assert.deepEqual(desiredNoScheduleTaints([c('Ready', 'True')], false), []);
    assert.deepEqual(ownedNoScheduleTaints([{ key: 'dedicated', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, unreachable]), [
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
    ]);
  });

  it('swaps taints, stamping the added ones, and reports no change', () => {
    const swapped = swapTaints([custom, { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }], [unreachable], [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }], 'T');
    assert.deepEqual(swapped, [custom, { ...unreachable, timeAdded: 'T' }]);
    assert.equal(swapTaints([unreachable], [unreachable], [], 'T'), undefined);
    assert.equal(swapTaints([], [], [unreachable], 'T'), undefined);
  });
});
