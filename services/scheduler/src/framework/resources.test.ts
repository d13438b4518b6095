import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeNode, makePod } from '../testing/fixtures.js';
import { DEFAULT_MAX_PODS, nodeAllocatable, podNonZeroRequests, podRequests } from './resources.js';

describe('podRequests', () => {
  it('sums containers, reading 100m, 0.5, 128Mi and 1G', () => {
    const pod = makePod('p', { containers: [{ cpu: '100m', memory: '128Mi' }, { cpu: '0.5', memory: '1G' }] });
    assert.deepEqual(podRequests(pod), { milliCpu: 600, memory: 128 * 2 ** 20 + 1e9 });
  });

  it('counts a container without requests as 0', () => {
    assert.deepEqual(podRequests(makePod('p', { containers: [{}, { cpu: '250m' }] })), { milliCpu: 250, memory: 0 });
  });

  it('uses limits as requests when only limits are set (apiserver defaulting)', () => {
    assert.deepEqual(podRequests(makePod('p', { containers: [{ cpu: '1', memory: '64Mi', limitsOnly: true }] })), {
      milliCpu: 1000,
      memory: 64 * 2 ** 20,
    });
  });

  it('non-zero requests use 100m / 200Mi for a container that sets none', () => {
    assert.deepEqual(podNonZeroRequests(makePod('p', { containers: [{}, { cpu: '0', memory: '1Mi' }] })), {
      milliCpu: 100,
      memory: 200 * 2 ** 20 + 2 ** 20,
    });
  });
});

describe('nodeAllocatable', () => {
  it('parses cpu, memory and pods', () => {
    assert.deepEqual(nodeAllocatable(makeNode('n', { cpu: '1500m', memory: '2Gi', pods: '20' })), {
      milliCpu: 1500,
      memory: 2 * 2 ** 30,
      pods: 20,
    });
  });

  it('defaults pods to the kubelet default when not reported', () => {
    assert.equal(nodeAllocatable(makeNode('n')).pods, DEFAULT_MAX_PODS);
  });

  it('falls back to capacity when allocatable is missing', () => {
    const node = makeNode('n', { cpu: '2' });
    delete node.status?.allocatable;
    assert.equal(nodeAllocatable(node).milliCpu, 2000);
  });
});
