import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planComponents } from './components.js';
import { autoPortPlan, defaultPortPlan } from './ports.js';
import { clusterPaths } from './state.js';

const base = { repoRoot: '/repo', node: '/usr/bin/node', etcd: '/usr/bin/etcd' };

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

test('default plan: every component with its flags, in start order', () => {
  const paths = clusterPaths('/home/u/.skiff', 'skiff');
  const specs = planComponents({ ...base, cluster: 'skiff', ports: defaultPortPlan(2), paths });
  assert.deepEqual(
    specs.map((s) => s.name),
    ['etcd', 'apiserver', 'scheduler', 'controller-manager', 'kubelet-skiff-node-1', 'kubelet-skiff-node-2'],
  );
  const byName = new Map(specs.map((s) => [s.name, s]));
  const etcd = byName.get('etcd');
  assert.equal(etcd?.command, '/usr/bin/etcd');
  assert.equal(flag(etcd?.args ?? [], '--data-dir'), '/home/u/.skiff/clusters/skiff/etcd');
  assert.equal(flag(etcd?.args ?? [], '--listen-client-urls'), 'http://127.0.0.1:2379');
  assert.equal(flag(etcd?.args ?? [], '--initial-cluster'), 'skiff=http://127.0.0.1:2380');
  assert.equal(etcd?.readyUrl, 'http://127.0.0.1:2379/health');

  const api = byName.get('apiserver');
  assert.deepEqual(api?.args, ['/repo/services/apiserver/dist/main.js', '--etcd-servers', 'http://127.0.0.1:2379', '--port', '6444', '--http-port', '6445', '--encryption-key-dir', '/home/u/.skiff/clusters/skiff/apiserver']);
  assert.equal(api?.readyUrl, 'http://127.0.0.1:6445/readyz');
  assert.equal(api?.log, '/home/u/.skiff/clusters/skiff/logs/apiserver.log');

  assert.deepEqual(byName.get('scheduler')?.args.slice(1), ['--apiserver', '127.0.0.1:6444', '--http-port', '10259']);
  assert.deepEqual(byName.get('controller-manager')?.args.slice(1), ['--apiserver', '127.0.0.1:6444', '--http-port', '10257']);

  const k2 = byName.get('kubelet-skiff-node-2');
  assert.deepEqual(k2?.args, [
    '/repo/services/kubelet/dist/main.js',
    '--node-name', 'skiff-node-2',
    '--address', '127.0.0.3',
    '--port', '10250',
    '--http-port', '10248',
    '--apiserver', '127.0.0.1:6444',
    '--root-dir', '/home/u/.skiff/clusters/skiff/kubelet/skiff-node-2',
  ]);
  assert.equal(k2?.node, 'skiff-node-2');
  assert.equal(k2?.readyUrl, 'http://127.0.0.3:10248/readyz');
  assert.ok(specs.every((s) => s.command === (s.kind === 'etcd' ? '/usr/bin/etcd' : '/usr/bin/node')));
});

test('auto ports flow into every flag; extra flags are appended per kind', async () => {
  const ports = await autoPortPlan(1);
  const specs = planComponents({
    ...base,
    cluster: 'e2e-1',
    ports,
    paths: clusterPaths('/tmp/h', 'e2e-1'),
    extraArgs: { kubelet: ['--cpu', '1'] },
  });
  const kubelet = specs.find((s) => s.kind === 'kubelet');
  assert.equal(flag(kubelet?.args ?? [], '--port'), String(ports.kubelets[0]?.port));
  assert.equal(flag(kubelet?.args ?? [], '--apiserver'), `127.0.0.1:${ports.apiserver}`);
  assert.deepEqual(kubelet?.args.slice(-2), ['--cpu', '1']);
  assert.equal(flag(specs.find((s) => s.kind === 'apiserver')?.args ?? [], '--etcd-servers'), `http://127.0.0.1:${ports.etcdClient}`);
  assert.ok(!specs.find((s) => s.kind === 'scheduler')?.args.includes('--cpu'));
});
