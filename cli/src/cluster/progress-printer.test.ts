import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultNetworkPlan } from './network-plan.js';
import { defaultPortPlan } from './ports.js';
import { clusterSummary, UpProgressPrinter } from './progress-printer.js';
import type { ClusterState, ComponentState } from './state.js';

function component(over: Partial<ComponentState> & Pick<ComponentState, 'name' | 'kind' | 'endpoints'>): ComponentState {
  return { command: 'x', args: [], log: `/h/clusters/c/logs/${over.name}.log`, readyUrl: '', pid: 1, startedAt: '', ...over };
}

test('one line per ready component with where it listens and its log, then the nodes', () => {
  let text = '';
  const printer = new UpProgressPrinter({ write: (s: string) => (text += s) }, '/h/clusters/c', 'Starting cluster "c"');
  printer.onProgress({ type: 'warning', message: 'image skiff/busybox:latest not found' });
  printer.onProgress({ type: 'waiting', what: 'etcd' });
  printer.onProgress({ type: 'ready', component: component({ name: 'etcd', kind: 'etcd', endpoints: { client: 'http://127.0.0.1:2379' } }), elapsedMs: 600 });
  printer.onProgress({
    type: 'ready',
    component: component({ name: 'kubelet-c-node-1', kind: 'kubelet', endpoints: { grpc: '127.0.0.2:10250', http: 'http://127.0.0.2:10248' } }),
    elapsedMs: 900,
  });
  printer.onProgress({ type: 'nodes-ready', nodes: [{ name: 'c-node-1', address: '127.0.0.2', port: 10250, httpPort: 10248 }], elapsedMs: 3210 });
  printer.stop();
  const lines = text.trimEnd().split('\n').map((l) => l.replace(/ +/g, ' '));
  assert.deepEqual(lines, [
    '! image skiff/busybox:latest not found',
    'Starting cluster "c"',
    '✓ etcd http://127.0.0.1:2379 logs/etcd.log',
    '✓ kubelet-c-node-1 grpc 127.0.0.2:10250 http://127.0.0.2:10248 logs/kubelet-c-node-1.log',
    '✓ 1 node Ready: c-node-1 (127.0.0.2) [3.2s]',
  ]);
});

test('no spinner escape codes when the output is not a terminal', () => {
  let text = '';
  const printer = new UpProgressPrinter({ write: (s: string) => (text += s), isTTY: false }, '/h');
  printer.onProgress({ type: 'waiting', what: 'nodes' });
  printer.stop();
  assert.equal(text, '');
});

test('the node-wide services show where they serve', () => {
  let text = '';
  const printer = new UpProgressPrinter({ write: (s: string) => (text += s) }, '/h/clusters/c');
  printer.onProgress({ type: 'ready', component: component({ name: 'dns', kind: 'dns', endpoints: { dns: '0.0.0.0:53', clusterIP: '10.96.0.10', http: 'http://127.0.0.1:9153' } }), elapsedMs: 1 });
  printer.onProgress({ type: 'ready', component: component({ name: 'ingress-controller', kind: 'ingress-controller', endpoints: { ingress: 'http://127.0.0.2', http: 'http://127.0.0.1:10254' } }), elapsedMs: 1 });
  printer.stop();
  assert.deepEqual(text.trimEnd().split('\n').map((l) => l.replace(/ +/g, ' ')), [
    '✓ dns dns 0.0.0.0:53 http://127.0.0.1:9153 logs/dns.log',
    '✓ ingress-controller ingress http://127.0.0.2 http://127.0.0.1:10254 logs/ingress-controller.log',
  ]);
});

test('once up: where the apiserver, the ingress and the DNS are, and the address plan', () => {
  const ports = defaultPortPlan(2);
  const state: ClusterState = {
    name: 'skiff',
    dir: '/h/clusters/skiff',
    createdAt: '',
    ready: true,
    apiserver: '127.0.0.1:6444',
    etcd: { clientUrl: '', peerUrl: '', dataDir: '' },
    ports,
    nodes: ports.kubelets.map((k, i) => ({ name: `skiff-node-${i + 1}`, ...k })),
    components: [],
    network: defaultNetworkPlan(),
  };
  assert.deepEqual(clusterSummary(state).map((l) => l.replace(/ +/g, ' ')), [
    'Apiserver: 127.0.0.1:6444',
    'Ingress: http://127.0.0.2/ (port 80 of every node address: 127.0.0.2, 127.0.0.3)',
    'Cluster DNS: 10.96.0.10 (Service kube-system/kube-dns, domain cluster.local), served on port 53 of this host',
    'Pod network: 10.244.0.0/16 (a /24 per node); Services 10.96.0.0/12; NodePorts 30000-32767 on every node address',
    'kube-proxy: iptables mode, chains SKIFF*',
  ]);
  const { network: _, ...old } = state;
  assert.deepEqual(clusterSummary(old), ['Apiserver:    127.0.0.1:6444'], 'a cluster from before issue 5 has no address plan');
});
