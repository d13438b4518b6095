import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { findCondition, type Lease, type Node } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock } from '@skiff/machinery';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import type { MachineInfo } from './machine-info.js';
import { NodeAgent } from './node-agent.js';
import { parseLabels, parseTaints, type NodeIdentity } from './node-object.js';

const MACHINE: MachineInfo = {
  cpu: '2',
  memoryBytes: 24 * 1024 ** 3,
  kernelVersion: '6.1.0-test',
  osImage: 'Debian GNU/Linux 12 (bookworm)',
  operatingSystem: 'linux',
  architecture: 'amd64',
  machineID: 'm1',
  bootID: 'b1',
};

describe('NodeAgent', () => {
  let clock: FakeClock;
  let api: FakeApi;
  let rt: FakeRuntime;
  const id: NodeIdentity = {
    name: 'node-a',
    address: '127.0.0.2',
    port: 10250,
    labels: parseLabels('zone=a,tier=web'),
    taints: parseTaints('dedicated=gpu:NoSchedule'),
    memory: '4Gi',
  };
  const agent = () => new NodeAgent({ api, runtime: rt, clock, log: silentLogger(), id, machine: MACHINE });
  const node = () => api.peek<Node>('nodes', '', 'node-a') as Node;
  const lease = () => api.peek<Lease>('leases', 'kube-node-lease', 'node-a') as Lease;

  beforeEach(() => {
    clock = new FakeClock();
    api = new FakeApi();
    rt = new FakeRuntime({ clock });
  });

  it('registers the node with capacity, addresses, endpoints, info, labels and taints, and a lease', async () => {
    await agent().register();
    const n = node();
    assert.deepEqual(n.status?.capacity, { cpu: '2', memory: '4194304Ki', pods: '110' });
    assert.deepEqual(n.status?.allocatable, n.status?.capacity);
    assert.deepEqual(n.status?.addresses, [
      { type: 'InternalIP', address: '127.0.0.2' },
      { type: 'Hostname', address: 'node-a' },
    ]);
    assert.deepEqual(n.status?.daemonEndpoints, { kubeletEndpoint: { Port: 10250 } });
    assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.32.0-skiff');
    assert.equal(n.status?.nodeInfo?.containerRuntimeVersion, 'docker://20.10.24-fake');
    assert.equal(n.status?.nodeInfo?.kernelVersion, '6.1.0-test');
    assert.deepEqual(n.metadata.labels, {
      'kubernetes.io/hostname': 'node-a',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      zone: 'a',
      tier: 'web',
    });
    assert.deepEqual(n.spec?.taints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    const ready = findCondition(n.status?.conditions, 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.reason, 'KubeletReady');
    assert.equal(ready?.message, 'kubelet is posting ready status');
    const l = lease();
    assert.equal(l.spec.holderIdentity, 'node-a');
    assert.equal(l.spec.leaseDurationSeconds, 40);
    assert.match(l.spec.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.equal(l.metadata.ownerReferences?.[0]?.uid, n.metadata.uid);
  });

  it('renews the lease every period but writes an unchanged status only every 60 s', async () => {
    const a = agent();
    await a.register();
    const statusWrites = () => api.writes().filter((c) => c.verb === 'updateStatus' && c.resource === 'nodes').length;
    const before = statusWrites();
    const renew0 = lease().spec.renewTime;
    clock.advance(10_000);
    await a.tick();
    assert.notEqual(lease().spec.renewTime, renew0);
    assert.equal(statusWrites(), before, 'nothing changed: no status write');
    clock.advance(50_000);
    await a.tick();
    assert.equal(statusWrites(), before + 1, 'heartbeat after 60 s');
    assert.equal(findCondition(node().status?.conditions, 'Ready')?.lastHeartbeatTime, '2026-01-01T00:01:00Z');
  });

  it('turns Ready False while the runtime does not answer, and True again when it does', async () => {
    const a = agent();
    await a.register();
    rt.setDown(new Error('connect ENOENT /var/run/docker.sock'));
    clock.advance(10_000);
    await a.tick();
    let ready = findCondition(node().status?.conditions, 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'KubeletNotReady');
    assert.equal(ready?.message, 'container runtime is down: connect ENOENT /var/run/docker.sock');
    assert.equal(ready?.lastTransitionTime, '2026-01-01T00:00:10Z');
    rt.setDown(undefined);
    clock.advance(10_000);
    await a.tick();
    ready = findCondition(node().status?.conditions, 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.lastTransitionTime, '2026-01-01T00:00:20Z');
  });

  it('is not Ready while the pod network is not, and says why; a refresh writes the change at once', async () => {
    let network: string | undefined = 'no pod CIDR assigned to node node-a yet';
    const a = new NodeAgent({ api, runtime: rt, clock, log: silentLogger(), id, machine: MACHINE, networkNotReady: () => network });
    await a.register();
    let ready = findCondition(node().status?.conditions, 'Ready');
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.message, 'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:no pod CIDR assigned to node node-a yet');
    network = undefined;
    await a.refreshStatus();
    ready = findCondition(node().status?.conditions, 'Ready');
    assert.equal(ready?.status, 'True');
  });

  it('reconciles a node that already exists (a restarted kubelet) without duplicating it', async () => {
    await api.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { keep: 'me' } }, spec: { taints: [] } });
    await agent().register();
    const n = node();
    assert.equal(n.metadata.labels?.['keep'], 'me');
    assert.equal(n.metadata.labels?.['zone'], 'a');
    assert.equal(findCondition(n.status?.conditions, 'Ready')?.status, 'True');
  });

  it('registers again when its Node is deleted', async () => {
    const a = agent();
    await a.register();
    await api.delete('nodes', '', 'node-a');
    rt.setDown(new Error('down'));
    clock.advance(10_000);
    await a.tick();
    assert.ok(node());
  });

  it('parses taints and labels, refusing malformed ones', () => {
    assert.deepEqual(parseTaints('a:NoExecute,b=c:PreferNoSchedule'), [
      { key: 'a', effect: 'NoExecute' },
      { key: 'b', value: 'c', effect: 'PreferNoSchedule' },
    ]);
    assert.throws(() => parseTaints('a=b:Sometimes'), /invalid taint "a=b:Sometimes"/);
    assert.throws(() => parseLabels('novalue'), /invalid node label/);
  });
});
