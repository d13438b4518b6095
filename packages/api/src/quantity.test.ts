import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuMillis, memoryBytes, parseQuantity } from './quantity.js';

test('CPU quantities in millicores', () => {
  assert.equal(cpuMillis('100m'), 100);
  assert.equal(cpuMillis('0.5'), 500);
  assert.equal(cpuMillis('2'), 2000);
  assert.equal(cpuMillis('1.0001'), 1001, 'rounds up like Kubernetes');
  assert.equal(cpuMillis(undefined), 0);
});

test('memory quantities in bytes, binary and decimal suffixes', () => {
  assert.equal(memoryBytes('128Mi'), 128 * 1024 * 1024);
  assert.equal(memoryBytes('1G'), 1e9);
  assert.equal(memoryBytes('1Gi'), 2 ** 30);
  assert.equal(memoryBytes('64k'), 64000);
  assert.equal(memoryBytes('1e3'), 1000);
});

test('garbage does not parse', () => {
  for (const bad of ['', 'abc', '12X', '1.2.3', 'Mi', '10 Mi']) assert.equal(parseQuantity(bad), undefined, bad);
});
