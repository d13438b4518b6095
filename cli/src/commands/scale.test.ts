import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateScaleFlags } from './scale.js';

test('--replicas is required and may not be negative', () => {
  assert.equal(validateScaleFlags({ replicas: 3, currentReplicas: -1 }), 3);
  assert.equal(validateScaleFlags({ replicas: 0, currentReplicas: -1 }), 0);
  assert.throws(() => validateScaleFlags({ currentReplicas: -1 }), /required flag\(s\) "replicas" not set/);
  assert.throws(() => validateScaleFlags({ replicas: -1, currentReplicas: -1 }), /The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0/);
  assert.throws(() => validateScaleFlags({ replicas: 1, currentReplicas: -2 }), /--current-replicas must specify an integer of -1 or greater/);
});
