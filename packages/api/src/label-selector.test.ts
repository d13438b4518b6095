import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelector, selectorFromLabelSelector, SelectorParseError } from './label-selector.js';
import { parseFieldSelector } from './field-selector.js';

test('equality-based terms', () => {
  const s = parseSelector('app=web, tier!=db');
  assert.equal(s.matches({ app: 'web', tier: 'front' }), true);
  assert.equal(s.matches({ app: 'web' }), true, '!= matches a missing key');
  assert.equal(s.matches({ app: 'web', tier: 'db' }), false);
  assert.equal(s.matches({ app: 'api' }), false);
  assert.equal(parseSelector('app==web').matches({ app: 'web' }), true);
});

test('set-based terms', () => {
  const s = parseSelector('env in (prod, staging),track notin (canary),app,!legacy');
  assert.equal(s.matches({ env: 'prod', app: 'x' }), true);
  assert.equal(s.matches({ env: 'dev', app: 'x' }), false);
  assert.equal(s.matches({ env: 'prod', app: 'x', track: 'canary' }), false);
  assert.equal(s.matches({ env: 'prod' }), false, 'exists');
  assert.equal(s.matches({ env: 'prod', app: 'x', legacy: 'true' }), false, 'does not exist');
  assert.equal(s.toString(), 'env in (prod,staging),track notin (canary),app,!legacy');
});

test('empty selector matches everything; bad ones are refused with the reason', () => {
  assert.equal(parseSelector('').matches(undefined), true);
  assert.throws(() => parseSelector('app in (a'), SelectorParseError);
  assert.throws(() => parseSelector('app=we b'), /unable to parse|invalid/);
  assert.throws(() => parseSelector('-bad=x'), /invalid label key/);
});

test('structured selectors compile to the same requirements', () => {
  const s = selectorFromLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] });
  assert.equal(s.matches({ app: 'web', env: 'prod' }), true);
  assert.equal(s.matches({ app: 'web', env: 'dev' }), false);
  assert.equal(selectorFromLabelSelector(undefined).isEmpty(), true);
});

test('field selectors', () => {
  const f = parseFieldSelector('spec.nodeName=node-1,status.phase!=Running');
  assert.equal(f.matches({ 'spec.nodeName': 'node-1', 'status.phase': 'Pending' }), true);
  assert.equal(f.matches({ 'spec.nodeName': 'node-1', 'status.phase': 'Running' }), false);
  assert.equal(f.exactValue('spec.nodeName'), 'node-1');
  assert.equal(parseFieldSelector('spec.nodeName=').matches({ 'spec.nodeName': '' }), true);
  assert.throws(() => parseFieldSelector('nonsense'), /invalid field selector/);
});
