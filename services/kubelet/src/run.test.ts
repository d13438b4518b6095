// The whole kubelet in-process, on the fake runtime and an in-memory API: pods bound to the node
// run, deaths are noticed through runtime events, deletion finishes, and a restarted kubelet adopts
// running containers without touching them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findCondition, type Lease, type Node, type Pod } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { DEFAULT_CONFIG, type KubeletConfig } from './config.js';
import { LABEL_ROLE } from './pod/labels.js';
import { run } from './run.js';
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

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function start(api: FakeApi, rt: FakeRuntime, nodeName = config.nodeName) {
  const ac = new AbortController();
  let ports = { grpc: 0, http: 0 };
  const done = run(ac.signal, { ...config, nodeName }, {
    runtime: rt,
    client: api,
    log: silentLogger(),
    machine: { cpu: '4', memoryBytes: 8 * 1024 ** 3, kernelVersion: 'k', osImage: 'o', operatingSystem: 'linux', architecture: 'amd64', machineID: 'm', bootID: 'b' },
    onListening: (p) => (ports = p),
  });
  return { stop: async () => { ac.abort(); await done; }, ports: () => ports };
}

describe('kubelet run()', () => {
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
});
