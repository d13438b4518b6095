import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterError, resolveClusterName, resolveUpOptions } from './options.js';

test('defaults: cluster "skiff", 2 nodes, default ports, 120 s', () => {
  assert.deepEqual(resolveUpOptions({}), { name: 'skiff', nodes: 2, ports: 'default', waitMs: 120_000 });
});

test('command-line strings are parsed', () => {
  assert.deepEqual(resolveUpOptions({ name: 'e2e-x1', nodes: '3', ports: 'auto', wait: '30' }), {
    name: 'e2e-x1',
    nodes: 3,
    ports: 'auto',
    waitMs: 30_000,
  });
});

test('bad values are refused naming the flag', () => {
  const cases: Array<[Parameters<typeof resolveUpOptions>[0], RegExp]> = [
    [{ nodes: '0' }, /--nodes "0": must be an integer from 1 to 100/],
    [{ nodes: 'two' }, /--nodes "two"/],
    [{ nodes: '1.5' }, /--nodes/],
    [{ nodes: 101 }, /--nodes/],
    [{ ports: 'random' }, /--ports "random": must be "default" or "auto"/],
    [{ wait: '-1' }, /--wait/],
    [{ name: 'My_Cluster' }, /--name "My_Cluster": must consist of lower case/],
    [{ name: 'x'.repeat(41) }, /no more than 40 characters/],
    [{ name: '' }, /must not be empty/],
  ];
  for (const [raw, re] of cases) {
    assert.throws(() => resolveUpOptions(raw), (e: unknown) => e instanceof ClusterError && re.test(e.message), JSON.stringify(raw));
  }
});

test('down takes the same names', () => {
  assert.equal(resolveClusterName(undefined), 'skiff');
  assert.equal(resolveClusterName('test-1'), 'test-1');
  assert.throws(() => resolveClusterName('-bad'), ClusterError);
});
