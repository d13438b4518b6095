import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeSchedulingPropertiesChanged, podSchedulingChanged } from './cluster-events.js';
import { makeNode, makePod } from './testing/fixtures.js';

describe('nodeSchedulingPropertiesChanged', () => {
  const node = makeNode('n');
  const changed = (edit: (n: typeof node) => void): boolean => {
    const cur = structuredClone(node);
    edit(cur);
    return nodeSchedulingPropertiesChanged(node, cur);
  };

  it('ignores heartbeats and resourceVersion', () => {
    assert.equal(
      changed((n) => {
        n.metadata.resourceVersion = '99';
        n.status!.conditions![0]!.lastHeartbeatTime = '2030-01-01T00:00:00Z';
      }),
      false,
    );
  });

  it('sees labels, taints, cordon, allocatable and condition status', () => {
    assert.equal(changed((n) => (n.metadata.labels = { zone: 'b' })), true);
    assert.equal(changed((n) => (n.spec = { taints: [{ key: 'k', effect: 'NoSchedule' }] })), true);
    assert.equal(changed((n) => (n.spec = { unschedulable: true })), true);
    assert.equal(changed((n) => (n.status!.allocatable = { cpu: '8', memory: '8Gi' })), true);
    assert.equal(changed((n) => (n.status!.conditions![0]!.status = 'False')), true);
  });
});

describe('podSchedulingChanged', () => {
  it('ignores status and resourceVersion, sees spec and labels', () => {
    const pod = makePod('p');
    const statusOnly = { ...structuredClone(pod), status: { phase: 'Pending' as const, conditions: [] } };
    statusOnly.metadata.resourceVersion = '7';
    assert.equal(podSchedulingChanged(pod, statusOnly), false);
    const relabeled = structuredClone(pod);
    relabeled.metadata.labels = { a: 'b' };
    assert.equal(podSchedulingChanged(pod, relabeled), true);
    assert.equal(podSchedulingChanged(pod, makePod('p', { tolerations: [{ operator: 'Exists' }] })), true);
  });
});
