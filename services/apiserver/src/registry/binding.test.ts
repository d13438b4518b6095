import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { newTestRegistry, pod, rejectsWith } from './test-fixtures.js';

const binding = (name: string, node: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: node } });

test('binding sets spec.nodeName and PodScheduled once', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await registry.store('pods').create('default', pod('web'));
    const bound = await registry.bind('default', 'web', binding('web', 'n1'));
    assert.equal(bound.spec.nodeName, 'n1');
    const cond = bound.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'True');
    const got = (await registry.store('pods').get('default', 'web')) as Pod;
    assert.equal(got.spec.nodeName, 'n1');
    await rejectsWith(
      registry.bind('default', 'web', binding('web', 'n2')),
      'Conflict',
      'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "n1"',
    );
    await rejectsWith(registry.bind('default', 'web', { metadata: { name: 'web' }, target: {} }), 'Invalid', 'Binding "web" is invalid: target.name: Required value');
    await rejectsWith(registry.bind('default', 'nope', binding('nope', 'n1')), 'NotFound', 'pods "nope" not found');
  } finally {
    await close();
  }
});
