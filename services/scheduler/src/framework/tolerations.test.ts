import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Taint } from '@skiff/api';
import { findUntoleratedTaint, toleratesTaint } from './tolerations.js';

const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('toleratesTaint', () => {
  it('Equal needs key, value and (when set) effect to match', () => {
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, taint), true);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'cpu', effect: 'NoSchedule' }, taint), false);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoExecute' }, taint), false);
    assert.equal(toleratesTaint({ key: 'other', operator: 'Equal', value: 'gpu' }, taint), false);
  });

  it('an empty operator means Equal', () => {
    assert.equal(toleratesTaint({ key: 'dedicated', value: 'gpu' }, taint), true);
    assert.equal(toleratesTaint({ key: 'dedicated' }, taint), false);
  });

  it('Exists ignores the value; an empty effect matches any effect', () => {
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint), true);
    assert.equal(toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint), false);
  });

  it('an empty key with Exists tolerates every taint', () => {
    assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true);
    assert.equal(toleratesTaint({ operator: 'Exists' }, { key: 'x', effect: 'NoExecute' }), true);
    assert.equal(toleratesTaint({ operator: 'Exists', effect: 'NoExecute' }, taint), false);
  });

  it('a taint without value equals an empty toleration value', () => {
    assert.equal(toleratesTaint({ key: 'k', operator: 'Equal' }, { key: 'k', effect: 'NoSchedule' }), true);
  });
});

describe('findUntoleratedTaint', () => {
  it('returns the first selected taint that is not tolerated', () => {
    const taints: Taint[] = [
      { key: 'a', effect: 'PreferNoSchedule' },
      { key: 'b', value: '1', effect: 'NoSchedule' },
      { key: 'c', value: '2', effect: 'NoExecute' },
    ];
    const hard = (t: Taint): boolean => t.effect !== 'PreferNoSchedule';
    assert.equal(findUntoleratedTaint(taints, [], hard)?.key, 'b');
    assert.equal(findUntoleratedTaint(taints, [{ key: 'b', operator: 'Exists' }], hard)?.key, 'c');
    assert.equal(findUntoleratedTaint(taints, [{ operator: 'Exists' }], hard), undefined);
  });
});
