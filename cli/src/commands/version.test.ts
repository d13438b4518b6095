import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientVersion, serverVersionString } from './version.js';

test("the client version is the CLI package's", () => {
  assert.match(clientVersion(), /^v\d+\.\d+\.\d+/);
  assert.notEqual(clientVersion(), 'v0.0.0');
});

test('the server version is read from gitVersion or version', () => {
  assert.equal(serverVersionString({ gitVersion: 'v0.1.0' }), 'v0.1.0');
  assert.equal(serverVersionString({ version: '0.2.0' }), 'v0.2.0');
  assert.equal(serverVersionString({ other: 'x' }), '{"other":"x"}');
});
