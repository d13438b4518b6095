import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyValuePatch, overwrites, parsePairs, splitResourcesAndPairs } from './key-value-args.js';

test('resources come first, then KEY=VALUE and KEY- pairs', () => {
  assert.deepEqual(splitResourcesAndPairs(['deployment/web', 'a=1', 'b-'], 'label'), { resources: ['deployment/web'], pairs: ['a=1', 'b-'] });
  assert.deepEqual(splitResourcesAndPairs(['deployment', 'web', 'web=skiff/demo-web:v2'], 'image'), { resources: ['deployment', 'web'], pairs: ['web=skiff/demo-web:v2'] });
  assert.throws(() => splitResourcesAndPairs(['a=1', 'deployment/web'], 'label'), /all resources must be specified before label changes: deployment\/web/);
});

test('pairs: values may hold =, KEY- removes, a malformed pair is named', () => {
  const p = parsePairs(['kubernetes.io/change-cause=set x=1', 'gone-'], 'annotation', true);
  assert.deepEqual([...p.set], [['kubernetes.io/change-cause', 'set x=1']]);
  assert.deepEqual(p.remove, ['gone']);
  assert.throws(() => parsePairs(['gone-'], 'image', false), /invalid image format: gone-/);
  assert.throws(() => parsePairs(['a=1', 'a-'], 'label', true), /can not both modify and remove the following label\(s\) in the same command: a/);
});

test('overwrites: only keys that exist with another value', () => {
  const current = { app: 'web', tier: 'fe' };
  assert.deepEqual(overwrites(current, new Map([['app', 'api'], ['tier', 'fe'], ['new', 'x']])), [{ key: 'app', value: 'web' }]);
  assert.deepEqual(overwrites(current, new Map([['app', 'api']]), new Set(['app'])), []);
});

test('the merge patch holds only what changes', () => {
  assert.deepEqual(keyValuePatch({ app: 'web', old: 'x' }, { set: new Map([['app', 'web'], ['tier', 'fe']]), remove: ['old', 'absent'] }), { tier: 'fe', old: null });
  assert.deepEqual(keyValuePatch(undefined, { set: new Map(), remove: ['x'] }), {});
});
