import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planComponents } from './components.js';
import { chooseNetworkPlan, defaultNetworkPlan, NOTHING_TAKEN } from './network-plan.js';
import { autoPortPlan, defaultPortPlan } from './ports.js';
import { clusterPaths } from './state.js';

const base = { repoRoot: '/repo', node: '/usr/bin/node', etcd: '/usr/bin/etcd', network: defaultNetworkPlan() };

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

test('default plan: every component with its flags, in start order', () => {
  const paths = clusterPaths('/home/u/.skiff', 'skiff');
  const specs = planComponents({ ...base, cluster: 'skiff', ports: defaultPortPlan(2), paths });
  assert.deepEqual(
    specs.map((s) => s.name),
    ['etcd', 'apiserver', 'scheduler', 'controller-manager', 'kubelet-skiff-node-1', 'kubelet-skiff-node-2', 'kube-proxy', 'dns', 'ingress-controller'],
  );
  const byName = new Map(specs.map((s) => [s.name, s]));
  const etcd = byName.get('etcd');
  assert.equal(etcd?.command, '/usr/bin/etcd');
  assert.equal(flag(etcd?.args ?? [], '--data-dir'), '/home/u/.skiff/clusters/skiff/etcd');
  assert.equal(flag(etcd?.args ?? [], '--listen-client-urls'), 'http://127.0.0.1:2379');
  assert.equal(flag(etcd?.args ?? [], '--initial-cluster'), 'skiff=http://127.0.0.1:2380');
  assert.equal(etcd?.readyUrl, 'http://127.0.0.1:2379/health');

  const api = byName.get('apiserver');
  assert.deepEqual(api?.args, [
    '/repo/services/apiserver/dist/main.js',
    '--etcd-servers', 'http://127.0.0.1:2379',
    '--port', '6444',
    '--http-port', '6445',
    '--encryption-key-dir', '/home/u/.skiff/clusters/skiff/apiserver',
    '--service-cluster-ip-range', '10.96.0.0/12',
    '--service-node-port-range', '30000-32767',
  ]);
  assert.equal(api?.readyUrl, 'http://127.0.0.1:6445/readyz');
  assert.equal(api?.log, '/home/u/.skiff/clusters/skiff/logs/apiserver.log');

  assert.deepEqual(byName.get('scheduler')?.args.slice(1), ['--apiserver', '127.0.0.1:6444', '--http-port', '10259']);
  assert.deepEqual(byName.get('controller-manager')?.args.slice(1), [
    '--apiserver', '127.0.0.1:6444',
    '--http-port', '10257',
    '--cluster-cidr', '10.244.0.0/16',
    '--node-cidr-mask-size', '24',
  ]);

  const k2 = byName.get('kubelet-skiff-node-2');
  assert.deepEqual(k2?.args, [
    '/repo/services/kubelet/dist/main.js',
    '--node-name', 'skiff-node-2',
    '--address', '127.0.0.3',
    '--port', '10250',
    '--http-port', '10248',
    '--apiserver', '127.0.0.1:6444',
    '--root-dir', '/home/u/.skiff/clusters/skiff/kubelet/skiff-node-2',
    '--cluster-dns', '10.96.0.10',
    '--cluster-domain', 'cluster.local',
    '--cluster-cidr', '10.244.0.0/16',
  ]);
  assert.equal(k2?.node, 'skiff-node-2');
  assert.equal(k2?.readyUrl, 'http://127.0.0.3:10248/readyz');
  assert.ok(specs.every((s) => s.command === (s.kind === 'etcd' ? '/usr/bin/etcd' : '/usr/bin/node')));

  assert.deepEqual(byName.get('kube-proxy')?.args, [
    '/repo/services/kube-proxy/dist/main.js',
    '--apiserver', '127.0.0.1:6444',
    '--proxy-mode', 'iptables',
    '--node-addresses', '127.0.0.2,127.0.0.3',
    '--cluster-cidr', '10.244.0.0/16',
    '--iptables-chain-prefix', 'SKIFF',
    '--http-port', '10249',
  ]);
  assert.equal(byName.get('kube-proxy')?.readyUrl, 'http://127.0.0.1:10249/readyz');
  assert.deepEqual(byName.get('dns')?.args, [
    '/repo/services/dns/dist/main.js',
    '--apiserver', '127.0.0.1:6444',
    '--port', '53',
    '--http-port', '9153',
    '--service-cluster-ip-range', '10.96.0.0/12',
    '--cluster-domain', 'cluster.local',
  ]);
  assert.deepEqual(byName.get('ingress-controller')?.args, [
    '/repo/services/ingress-controller/dist/main.js',
    '--apiserver', '127.0.0.1:6444',
    '--bind-addresses', '127.0.0.2,127.0.0.3',
    '--port', '80',
    '--publish-address', '127.0.0.2',
    '--http-port', '10254',
  ]);
  assert.equal(byName.get('ingress-controller')?.endpoints['ingress'], 'http://127.0.0.2,http://127.0.0.3');
});

test("an auto plan's addresses reach every component that needs them", async () => {
  const network = chooseNetworkPlan({ proxyMode: 'userspace', taken: NOTHING_TAKEN });
  const ports = await autoPortPlan(2, network.nodeAddressPrefix);
  const specs = planComponents({ ...base, network, cluster: 'e2e-2', ports, paths: clusterPaths('/tmp/h', 'e2e-2') });
  const args = (name: string): string[] => specs.find((s) => s.name === name)?.args ?? [];
  assert.equal(flag(args('apiserver'), '--service-cluster-ip-range'), network.serviceClusterIpRange);
  assert.equal(flag(args('controller-manager'), '--cluster-cidr'), network.clusterCidr);
  assert.equal(flag(args('kubelet-e2e-2-node-1'), '--address'), `${network.nodeAddressPrefix}.2`);
  assert.equal(flag(args('kubelet-e2e-2-node-2'), '--cluster-dns'), network.clusterDns);
  assert.equal(flag(args('kube-proxy'), '--proxy-mode'), 'userspace');
  assert.equal(flag(args('kube-proxy'), '--iptables-chain-prefix'), network.iptablesChainPrefix);
  assert.equal(flag(args('kube-proxy'), '--node-addresses'), `${network.nodeAddressPrefix}.2,${network.nodeAddressPrefix}.3`);
  assert.equal(flag(args('dns'), '--port'), String(ports.dns));
  assert.notEqual(ports.dns, 53);
  assert.equal(flag(args('ingress-controller'), '--publish-address'), `${network.nodeAddressPrefix}.2`);
  assert.equal(flag(args('ingress-controller'), '--port'), '80');
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

test('with the REST API certificates the apiserver serves HTTPS on the secure port', () => {
  const paths = clusterPaths('/home/u/.skiff', 'skiff');
  const restApi = { certFile: '/pki/apiserver.crt', keyFile: '/pki/apiserver.key', tokenFile: '/pki/tokens.csv' };
  const api = planComponents({ ...base, cluster: 'skiff', ports: defaultPortPlan(1), paths, restApi }).find((s) => s.name === 'apiserver');
  const args = api?.args ?? [];
  assert.equal(flag(args, '--secure-port'), '6443');
  assert.equal(flag(args, '--tls-cert-file'), '/pki/apiserver.crt');
  assert.equal(flag(args, '--tls-private-key-file'), '/pki/apiserver.key');
  assert.equal(flag(args, '--token-auth-file'), '/pki/tokens.csv');
  assert.equal(api?.endpoints['https'], 'https://127.0.0.1:6443');
  // Without them (or a plan recorded before the secure port) no HTTPS flags.
  const plain = planComponents({ ...base, cluster: 'skiff', ports: defaultPortPlan(1), paths }).find((s) => s.name === 'apiserver');
  assert.equal(flag(plain?.args ?? [], '--secure-port'), undefined);
});
