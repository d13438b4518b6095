import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overwriteError } from './edit-metadata.js';

test("label: changing a value needs --overwrite (kubectl's message)", () => {
  assert.equal(overwriteError('labels', { app: 'web' }, new Map([['app', 'web']])), undefined);
  assert.equal(overwriteError('labels', { app: 'web' }, new Map([['app', 'api']]))?.message, "error: 'app' already has a value (web), and --overwrite is false");
});

test('annotate: changing a value needs --overwrite, except the change-cause', () => {
  assert.equal(
    overwriteError('annotations', { team: 'a' }, new Map([['team', 'b']]))?.message,
    "error: --overwrite is false but found the following declared annotation(s): 'team' already has a value (a)",
  );
  assert.equal(overwriteError('annotations', { 'kubernetes.io/change-cause': 'old' }, new Map([['kubernetes.io/change-cause', 'new']])), undefined);
});
