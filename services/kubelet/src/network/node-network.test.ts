import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '@skiff/api';
import { silentLogger } from '@skiff/component';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { FakeIptables } from './fake-iptables.js';
import { NodeFirewall } from './firewall.js';
import { MASQUERADE_OPTION, NetworkNotReadyError, NodeNetwork, type NodeNetworkOptions } from './node-network.js';

function nodeWith(podCIDR?: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} };
}

function setup(over: Partial<NodeNetworkOptions> = {}) {
  const rt = new FakeRuntime();
  const changes: boolean[] = [];
  const net = new NodeNetwork({ runtime: rt, node: 'n1', network: 'skiff-n1', clusterCIDR: '10.244.0.0/16', log: silentLogger(), onReadyChange: (r) => changes.push(r), ...over });
  return { rt, net, changes };
}

/** Lets a `void`ed promise chain run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('the node network', () => {
  it('waits for a pod CIDR (NetworkNotReadyError, a reason for the Node), then makes the network for it', async () => {
    const { rt, net, changes } = setup();
    assert.match(net.notReadyReason() ?? '', /^no pod CIDR assigned to node n1 yet/);
    await assert.rejects(net.ensure(), (e: unknown) => e instanceof NetworkNotReadyError && /no pod CIDR/.test(e.message));
    assert.deepEqual(await rt.listNetworks({}), []);

    net.observeNode(nodeWith());
    net.observeNode(nodeWith('10.244.3.0/24'));
    await net.ensure();
    await settle();
    assert.equal(net.notReadyReason(), undefined);
    assert.deepEqual(changes, [true]);
    const [made] = await rt.listNetworks({ 'skiff.io/node': 'n1' });
    assert.equal(made?.name, 'skiff-n1');
    assert.equal(made?.subnet, '10.244.3.0/24');
    assert.equal(made?.gateway, '10.244.3.1');
    assert.equal(made?.options?.[MASQUERADE_OPTION], 'false');
  });

  it('prefers --pod-cidr to the Node\'s', async () => {
    const { rt, net } = setup({ podCIDR: '10.244.8.0/24' });
    net.observeNode(nodeWith('10.244.3.0/24'));
    await net.ensure();
    assert.equal((await rt.listNetworks({}))[0]?.subnet, '10.244.8.0/24');
  });

  it('makes a network with another subnet again when it is empty; while containers use it, pods wait with the reason', async () => {
    const { rt, net } = setup({ podCIDR: '10.244.3.0/24' });
    await rt.ensureNetwork({ name: 'skiff-n1', labels: {}, subnet: '10.244.200.0/24' });
    const id = await rt.createContainer({ name: 'old', image: 'skiff/busybox:latest', labels: {}, networkMode: 'skiff-n1' });
    await rt.startContainer(id);
    await assert.rejects(net.ensure(), /network skiff-n1 has subnet 10\.244\.200\.0\/24, not the node's pod CIDR 10\.244\.3\.0\/24, and 1 container\(s\) attached/);
    assert.match(net.notReadyReason() ?? '', /has subnet 10\.244\.200\.0\/24/);

    await rt.removeContainer(id, { force: true });
    await net.ensure();
    assert.equal((await rt.listNetworks({}))[0]?.subnet, '10.244.3.0/24');
    assert.equal(net.notReadyReason(), undefined);
  });

  it('keeps using a network an older kubelet made with Docker\'s masquerade on, and makes it again once empty', async () => {
    const { rt, net } = setup({ podCIDR: '10.244.3.0/24' });
    await rt.ensureNetwork({ name: 'skiff-n1', labels: {}, subnet: '10.244.3.0/24' });
    const id = await rt.createContainer({ name: 'old', image: 'skiff/busybox:latest', labels: {}, networkMode: 'skiff-n1' });
    await rt.startContainer(id);
    await net.ensure();
    assert.equal(net.notReadyReason(), undefined, 'pods may still start on it');
    await net.syncHost([]);
    assert.equal((await rt.listNetworks({}))[0]?.options?.[MASQUERADE_OPTION], undefined);
    await rt.removeContainer(id, { force: true });
    await net.syncHost([]);
    assert.equal((await rt.listNetworks({}))[0]?.options?.[MASQUERADE_OPTION], 'false');
  });

  it('programs the firewall with the network, and a firewall failure does not hold pods back', async () => {
    const ipt = new FakeIptables({ dockerUser: false });
    const { net } = setup({ podCIDR: '10.244.3.0/24', firewall: new NodeFirewall(ipt, 'n1', '10.244.0.0/16') });
    await net.ensure();
    assert.equal(net.notReadyReason(), undefined);
    assert.equal(ipt.rules('nat', 'POSTROUTING')?.length, 0);
  });

  it('re-made after someone removed it (recheck)', async () => {
    const { rt, net } = setup({ podCIDR: '10.244.3.0/24' });
    await net.ensure();
    await rt.removeNetwork('skiff-n1');
    await net.ensure();
    assert.equal((await rt.listNetworks({})).length, 0, 'memoized');
    await net.ensure(true);
    assert.equal((await rt.listNetworks({})).length, 1);
  });
});
