import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, parseDurationMs, validateConfig } from './config.js';

describe('kubelet config', () => {
  it('parses durations as Kubernetes flags take them', () => {
    assert.equal(parseDurationMs('10s'), 10_000);
    assert.equal(parseDurationMs('1m30s'), 90_000);
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('7'), 7_000);
    assert.equal(parseDurationMs('soon'), undefined);
    assert.equal(parseDurationMs('10x'), undefined);
  });

  it('requires a valid node name and pod CIDR', () => {
    assert.deepEqual(validateConfig({ ...DEFAULT_CONFIG, nodeName: 'node-1' }), []);
    assert.deepEqual(validateConfig({ ...DEFAULT_CONFIG, nodeName: '' }), ['--node-name is required']);
    assert.match(validateConfig({ ...DEFAULT_CONFIG, nodeName: 'Node_1' })[0] ?? '', /--node-name "Node_1" must be a lowercase DNS name/);
    assert.match(validateConfig({ ...DEFAULT_CONFIG, nodeName: 'n', podCIDR: '10.0.0.0' })[0] ?? '', /--pod-cidr/);
  });
});
