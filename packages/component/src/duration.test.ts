import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDurationMs } from './duration.js';

describe('parseDurationMs', () => {
  it('reads Go durations', () => {
    assert.equal(parseDurationMs('40s'), 40_000);
    assert.equal(parseDurationMs('1m30s'), 90_000);
    assert.equal(parseDurationMs('500ms'), 500);
    assert.equal(parseDurationMs('1.5h'), 5_400_000);
    assert.equal(parseDurationMs('0'), 0);
    assert.equal(parseDurationMs('-2s'), -2000);
  });
  it('refuses what is not one', () => {
    for (const bad of ['', '40', 's', '1x', '1s2', 'ten seconds', '1 s']) assert.equal(parseDurationMs(bad), undefined, bad);
  });
});
