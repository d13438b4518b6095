import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { newTestRegistry, pod } from '../registry/test-fixtures.js';

test('new pods tolerate not-ready and unreachable nodes for 300 s unless they say otherwise', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    const plain = (await pods.create('default', pod('plain'))) as Pod;
    assert.deepEqual(plain.spec.tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    const own = { key: 'node.kubernetes.io/unreachable', operator: 'Exists' as const, effect: 'NoExecute' as const, tolerationSeconds: 10 };
    const mine = (await pods.create('default', pod('mine', { tolerations: [own] }))) as Pod;
    assert.deepEqual(mine.spec.tolerations, [own, { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]);
    const all = (await pods.create('default', pod('all', { tolerations: [{ operator: 'Exists' }] }))) as Pod;
    assert.deepEqual(all.spec.tolerations, [{ operator: 'Exists' }], 'a toleration of every taint covers both');
    const rs = await registry.store('rs').create('default', {
      metadata: { name: 'r' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
    });
    assert.equal((rs.spec as { template: { spec: Pod['spec'] } }).template.spec.tolerations, undefined, 'templates are left alone; their pods get them');
  } finally {
    await close();
  }
});

test('the toleration seconds are configurable', async () => {
  const { registry, close } = await newTestRegistry({ admission: { defaultNotReadyTolerationSeconds: 30, defaultUnreachableTolerationSeconds: 5 } });
  try {
    const p = (await registry.store('pods').create('default', pod('p'))) as Pod;
    assert.deepEqual(p.spec.tolerations?.map((t) => t.tolerationSeconds), [30, 5]);
  } finally {
    await close();
  }
});
