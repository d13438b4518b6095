import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWatchFlag } from './status.js';

test('-w takes true or false; another word after it is the resource', () => {
  assert.equal(parseWatchFlag('false'), false);
  assert.equal(parseWatchFlag('true'), true);
  assert.equal(parseWatchFlag('deployment/web'), 'deployment/web');
});
