// The whole kubelet in-process, on the fake runtime and an in-memory API: pods bound to the node
// run, deaths are noticed through runtime events, deletion finishes, and a restarted kubelet adopts
// running containers without touching them.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { findCondition, type Event, type Lease, type Node, type Pod } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { DEFAULT_CONFIG, type KubeletConfig } from './config.js';
import { LABEL_ROLE } from './pod/labels.js';
import { run } from './run.js';
import { FakeIptables } from './network/fake-iptables.js';
import { FakeRouteProgrammer } from './network/fake-route-programmer.js';
import { masqueradeChain } from './network/firewall.js';
import type { KubeletDeps } from './run.js';
import { FakeRuntime } from './runtime/fake-runtime.js';
import { makePod } from './testing/fixtures.js';

const config: KubeletConfig = {
  ...DEFAULT_CONFIG,
  nodeName: 'node-a',
  port: 0,
  httpPort: 0,
  housekeepingIntervalMs: 50,
  resyncIntervalMs: 200,
  nodeStatusUpdateFrequencyMs: 200,
};
const root = mkdtempSync(path.join(os.tmpdir(), 'skiff-run-test-'));
/** Each node's --pod-cidr (the tests of waiting for one pass none). */
const POD_CIDRS: Record<string, string> = { 'node-a': '10.244.1.0/24', 'node-b': '10.244.2.0/24' };

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function start(api: FakeApi, rt: FakeRuntime, nodeName = config.nodeName, over: Partial<KubeletConfig> = { podCIDR: POD_CIDRS[nodeName] ?? '10.244.9.0/24' }, deps: KubeletDeps = {}) {
  const ac = new AbortController();
  let ports = { grpc: 0, http: 0 };
  const done = run(ac.signal, { ...config, nodeName, rootDir: path.join(root, nodeName), ...over }, {
    runtime: rt,
    client: api,
    log: silentLogger(),
    machine: { cpu: '4', memoryBytes: 8 * 1024 ** 3, kernelVersion: 'k', osImage: 'o', operatingSystem: 'linux', architecture: 'amd64', machineID: 'm', bootID: 'b' },
    onListening: (p) => (ports = p),
    ...deps,
  });
  return { stop: async () => { ac.abort(); await done; }, ports: () => ports };
}

describe('kubelet run()', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('registers the node, runs a bound pod, restarts a killed container, and finishes a deletion', async () => {
    const api = new FakeApi();
    const rt = new FakeRuntime();
    const k = start(api, rt);
    try {
      const node = await until('the node', () => api.peek<Node>('nodes', '', 'node-a'));
      assert.equal(node.status?.capacity?.cpu, '4');
      assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, k.ports().grpc);
      await until('the lease', () => api.peek<Lease>('leases', 'kube-node-lease', 'node-a'));

      await api.create('pods', makePod({ name: 'other-node', node: 'node-b' }));
      await api.create('pods', makePod({ name: 'web-1' }));
      const running = await until('web-1 Running', () => {
        const p = api.peek<Pod>('pods', 'default', 'web-1');
        return p?.status?.phase === 'Running' ? p : undefined;
      });
      assert.equal(findCondition(running.status?.conditions, 'Ready')?.status, 'True');
      assert.equal(rt.all().filter((c) => c.labels['skiff.io/pod-name'] === 'other-node').length, 0, 'pods of other nodes are not ours');

      const http = await until('the running pod in /metrics', async () => {
        const text = await fetch(`http://127.0.0.1:${k.ports().http}/metrics`).then((r) => r.text());
        return /kubelet_running_pods 1\n/.test(text) ? text : undefined;
      });
      assert.match(http, /kubelet_runtime_operations_total\{operation_type="create_container"\} 2/);
      assert.equal((await fetch(`http://127.0.0.1:${k.ports().http}/readyz`)).status, 200);

      const app = rt.all().find((c) => c.labels[LABEL_ROLE] === 'app' && c.state === 'running');
      assert.ok(app);
      await rt.killContainer(app.id);
      await until('restartCount 1', () => api.peek<Pod>('pods', 'default', 'web-1')?.status?.containerStatuses?.[0]?.restartCount === 1);

      await api.delete('pods', 'default', 'web-1');
      await until('the pod gone', () => api.peek('pods', 'default', 'web-1') === undefined);
      assert.deepEqual(rt.all(), []);
    } finally {
      await k.stop();
    }
  });

  it('leaves containers running on stop, and adopts them untouched after a restart', async () => {
    const api = new FakeApi();
    const rt = new FakeRuntime();
    let k = start(api, rt);
    await api.create('pods', makePod({ name: 'keep' }));
    await until('keep Running', () => api.peek<Pod>('pods', 'default', 'keep')?.status?.phase === 'Running');
    await k.stop();
    const before = rt.all().map((c) => `${c.id}:${c.state}`);
    assert.equal(rt.all().filter((c) => c.state === 'running').length, 2, 'stopping the kubelet leaves pods running');
    const calls = { ...rt.calls };

    k = start(api, rt);
    try {
      await until('re-registered', () => {
        const n = api.peek<Node>('nodes', '', 'node-a');
        return n && findCondition(n.status?.conditions, 'Ready')?.status === 'True';
      });
      // Several relists and resyncs go by.
      const listsBefore = rt.calls['list'] ?? 0;
      await until('a few resyncs', () => (rt.calls['list'] ?? 0) > listsBefore + 10);
      assert.deepEqual(rt.all().map((c) => `${c.id}:${c.state}`), before);
      for (const op of ['create', 'start', 'stop', 'remove']) assert.equal(rt.calls[op] ?? 0, calls[op] ?? 0, `no ${op} after restart`);
    } finally {
      await k.stop();
    }
  });

  it('removes the containers of a pod deleted while the kubelet was down', async () => {
    const api = new FakeApi();
    const rt = new FakeRuntime();
    let k = start(api, rt);
    await api.create('pods', makePod({ name: 'gone' }));
    await until('gone Running', () => api.peek<Pod>('pods', 'default', 'gone')?.status?.phase === 'Running');
    await k.stop();
    await api.delete('pods', 'default', 'gone', { gracePeriodSeconds: 0 });
    k = start(api, rt);
    try {
      await until('containers removed', () => rt.all().length === 0);
    } finally {
      await k.stop();
    }
  });

  it('shares one engine between kubelets of different nodes without touching each other\'s containers', async () => {
    const api = new FakeApi();
    const rt = new FakeRuntime();
    const a = start(api, rt, 'node-a');
    const b = start(api, rt, 'node-b');
    try {
      await api.create('pods', makePod({ name: 'on-a', node: 'node-a' }));
      await api.create('pods', makePod({ name: 'on-b', node: 'node-b' }));
      await until('both Running', () =>
        ['on-a', 'on-b'].every((n) => api.peek<Pod>('pods', 'default', n)?.status?.phase === 'Running') ? true : undefined,
      );
      const ofB = () => rt.all().filter((c) => c.labels['skiff.io/node'] === 'node-b').map((c) => `${c.id}:${c.state}`).sort();
      const before = ofB();
      assert.equal(before.length, 2);
      assert.equal(rt.all().filter((c) => c.labels['skiff.io/node'] === 'node-a').length, 2);
      await api.delete('pods', 'default', 'on-a');
      await until('on-a gone', () => api.peek('pods', 'default', 'on-a') === undefined);
      assert.equal(rt.all().filter((c) => c.labels['skiff.io/node'] === 'node-a').length, 0);
      assert.deepEqual(ofB(), before);
      assert.deepEqual((await rt.listNetworks({})).map((n) => n.name).sort(), ['skiff-node-a', 'skiff-node-b']);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('waits for the Node\'s pod CIDR (NotReady, NetworkNotReady), then runs pods in it with the cluster DNS and Service variables', async () => {
    const api = new FakeApi();
    const rt = new FakeRuntime();
    await api.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-svc', namespace: 'default' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }] } });
    const k = start(api, rt, 'node-c', { resolvConf: '' });
    try {
      await api.create('pods', makePod({ name: 'early', node: 'node-c' }));
      const notReady = await until('the node NotReady for want of a pod CIDR', () => {
        const n = api.peek<Node>('nodes', '', 'node-c');
        const ready = findCondition(n?.status?.conditions, 'Ready');
        return ready?.status === 'False' && /NetworkReady=false reason:NetworkPluginNotReady message:no pod CIDR assigned to node node-c/.test(ready.message ?? '') ? n : undefined;
      });
      await until('a NetworkNotReady event', () => api.all<Event>('events').find((e) => e.reason === 'NetworkNotReady' && e.involvedObject.name === 'early'));
      assert.equal(rt.all().length, 0, 'no sandbox without a network');
      assert.equal(api.peek<Pod>('pods', 'default', 'early')?.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'ContainerCreating');

      // The node IPAM allocates one.
      await api.update<Node>('nodes', { ...notReady, spec: { ...notReady.spec, podCIDR: '10.244.7.0/24', podCIDRs: ['10.244.7.0/24'] } });
      const running = await until('early Running', () => {
        const p = api.peek<Pod>('pods', 'default', 'early');
        return p?.status?.phase === 'Running' ? p : undefined;
      });
      assert.match(running.status?.podIP ?? '', /^10\.244\.7\.\d+$/);
      const [net] = await rt.listNetworks({ 'skiff.io/node': 'node-c' });
      assert.equal(net?.subnet, '10.244.7.0/24');
      assert.equal(net?.gateway, '10.244.7.1');
      assert.equal(net?.options?.['com.docker.network.bridge.enable_ip_masquerade'], 'false');
      await until('the node Ready', () => findCondition(api.peek<Node>('nodes', '', 'node-c')?.status?.conditions, 'Ready')?.status === 'True');

      const app = rt.all().find((c) => c.labels[LABEL_ROLE] === 'app');
      assert.ok(app);
      const spec = rt.specOf(app.id);
      assert.ok(spec.env?.includes('WEB_SVC_SERVICE_HOST=10.96.0.20'));
      assert.ok(spec.env?.includes('WEB_SVC_PORT_80_TCP=tcp://10.96.0.20:80'));
      const resolv = spec.mounts?.find((m) => m.target === '/etc/resolv.conf');
      assert.equal(resolv?.readOnly, true);
      assert.equal(readFileSync(resolv?.source ?? '', 'utf8'), 'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
      const hosts = spec.mounts?.find((m) => m.target === '/etc/hosts');
      assert.match(readFileSync(hosts?.source ?? '', 'utf8'), new RegExp(`\\n${(running.status?.podIP ?? '').replace(/\./g, '\\.')}\\tearly\\n`));
    } finally {
      await k.stop();
    }
  });

  it('programs the node\'s iptables rules and routes to other hosts\' nodes, and drops the route of a node that goes', async () => {
    const api = new FakeApi();
    const rt = new FakeRuntime();
    const iptables = new FakeIptables();
    const routes = new FakeRouteProgrammer();
    const remote = (name: string, cidr: string, ip: string): Node => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
      spec: { podCIDR: cidr, podCIDRs: [cidr] },
      status: { addresses: [{ type: 'InternalIP', address: ip }] },
    });
    await api.create('nodes', remote('far', '10.244.5.0/24', '192.0.2.50'));
    await api.create('nodes', remote('near', '10.244.6.0/24', '127.0.0.9'));
    const k = start(api, rt, 'node-a', { podCIDR: '10.244.1.0/24' }, { iptables, routes, hostAddresses: () => ['192.0.2.2'] });
    try {
      await until('the route to far', () => routes.routes().length === 1);
      assert.deepEqual(routes.routes(), [{ dst: '10.244.5.0/24', via: '192.0.2.50' }], 'none to a node on this host');
      await until('the DOCKER-USER rules', () => (iptables.rules('filter', 'DOCKER-USER')?.length ?? 0) === 3);
      assert.deepEqual(iptables.rules('filter', 'DOCKER-USER'), [
        ['-d', '10.244.1.0/24', '-m', 'comment', '--comment', 'skiff node node-a', '-j', 'ACCEPT'],
        ['-s', '10.244.1.0/24', '-m', 'comment', '--comment', 'skiff node node-a', '-j', 'ACCEPT'],
        ['-j', 'RETURN'],
      ]);
      assert.deepEqual(iptables.rules('nat', masqueradeChain('node-a')), [
        ['-s', '10.244.1.0/24', '!', '-d', '10.244.0.0/16', '-m', 'comment', '--comment', 'skiff node node-a', '-j', 'MASQUERADE'],
      ]);
      await api.delete('nodes', '', 'far');
      await until('the route to far removed', () => routes.routes().length === 0);
    } finally {
      await k.stop();
    }
  });
});
