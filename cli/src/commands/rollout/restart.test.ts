import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rfc3339Local } from './restart.js';

test("restartedAt is Go's RFC3339 in local time", () => {
  const saved = process.env['TZ'];
  process.env['TZ'] = 'UTC';
  try {
    assert.equal(rfc3339Local(new Date('2024-05-01T12:03:04.567Z')), '2024-05-01T12:03:04Z');
  } finally {
    if (saved === undefined) delete process.env['TZ'];
    else process.env['TZ'] = saved;
  }
});
