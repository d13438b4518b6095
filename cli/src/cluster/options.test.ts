import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterError, parseComponentArgs, resolveClusterName, resolveUpOptions } from './options.js';

test('defaults: cluster "skiff", 2 nodes, default ports, 120 s, iptables proxy, no extra flags', () => {
  assert.deepEqual(resolveUpOptions({}), { name: 'skiff', nodes: 2, ports: 'default', waitMs: 120_000, proxyMode: 'iptables', extraArgs: {} });
});

test('command-line strings are parsed', () => {
  assert.deepEqual(
    resolveUpOptions({ name: 'e2e-x1', nodes: '3', ports: 'auto', wait: '30', proxyMode: 'userspace', componentArgs: ['kubelet=--cpu=2', 'dns=--port=5353'] }),
    { name: 'e2e-x1', nodes: 3, ports: 'auto', waitMs: 30_000, proxyMode: 'userspace', extraArgs: { kubelet: ['--cpu=2'], dns: ['--port=5353'] } },
  );
});

test('--component-arg: repeated per kind in order; the value may hold "=" and spaces', () => {
  assert.deepEqual(parseComponentArgs(['kubelet=--cpu', 'kubelet=2', 'kube-proxy=--iptables-chain-prefix=X', 'etcd=--log-level=debug info']), {
    kubelet: ['--cpu', '2'],
    'kube-proxy': ['--iptables-chain-prefix=X'],
    etcd: ['--log-level=debug info'],
  });
  for (const bad of ['kubelet', '=--cpu=2', 'kubelet=', 'kubelets=--cpu=2', 'proxy=--x']) {
    assert.throws(() => parseComponentArgs([bad]), (e: unknown) => e instanceof ClusterError && e.message.includes(`"${bad}"`), bad);
  }
});

test('bad values are refused naming the flag', () => {
  const cases: Array<[Parameters<typeof resolveUpOptions>[0], RegExp]> = [
    [{ nodes: '0' }, /--nodes "0": must be an integer from 1 to 100/],
    [{ nodes: 'two' }, /--nodes "two"/],
    [{ nodes: '1.5' }, /--nodes/],
    [{ nodes: 101 }, /--nodes/],
    [{ ports: 'random' }, /--ports "random": must be "default" or "auto"/],
    [{ proxyMode: 'ipvs' }, /--proxy-mode "ipvs": must be "iptables" or "userspace"/],
    [{ componentArgs: ['nope=--x'] }, /unknown component kind "nope"/],
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
