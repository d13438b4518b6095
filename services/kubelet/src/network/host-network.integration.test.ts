// The real `ip route` and `iptables` programmers, inside a network namespace this test makes
// (`ip netns add skiff-test-<rand>`) and deletes afterwards: the host's own table and rules are never
// touched. Needs root (skipped otherwise).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Node } from '@skiff/api';
import { silentLogger } from '@skiff/component';
import { masqueradeChain, NodeFirewall, removeNodeNetworkRules } from './firewall.js';
import { IpRouteProgrammer } from './ip-route.js';
import { ExecIptables, iptablesOk } from './iptables.js';
import { isLocalAddress } from './local-addresses.js';
import { removeRecordedRoutes, RouteManager, routeStateFile } from './route-manager.js';

const ns = `skiff-test-${randomBytes(4).toString('hex')}`;

function sh(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile(file, args, (err, stdout, stderr) => (err ? reject(new Error(`${file} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout))));
}

function node(name: string, podCIDR: string, ip: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR }, status: { addresses: [{ type: 'InternalIP', address: ip }] } };
}

const isRoot = process.getuid?.() === 0;

describe(`host networking in network namespace ${ns}`, { skip: isRoot ? false : 'needs root (ip netns)' }, () => {
  let root = '';

  before(async () => {
    await sh('ip', ['netns', 'add', ns]);
    await sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // The "other hosts" live on a subnet of lo: their addresses are gateways the kernel accepts.
    await sh('ip', ['-n', ns, 'addr', 'add', '192.0.2.1/24', 'dev', 'lo']);
    root = await mkdtemp(path.join(os.tmpdir(), 'skiff-netns-'));
  });
  after(async () => {
    await sh('ip', ['netns', 'del', ns]).catch(() => {});
    await rm(root, { recursive: true, force: true });
  });

  it('programs, moves, lists and removes routes with Skiff\'s protocol (ip route)', async () => {
    const ip = new IpRouteProgrammer({ netns: ns });
    await ip.replace({ dst: '10.244.2.0/24', via: '192.0.2.3' });
    await ip.replace({ dst: '10.244.2.0/24', via: '192.0.2.4' });
    await sh('ip', ['-n', ns, 'route', 'add', '10.99.0.0/24', 'via', '192.0.2.9']);
    assert.deepEqual(await ip.list(), [{ dst: '10.244.2.0/24', via: '192.0.2.4' }], 'only routes of its protocol');
    assert.match(await sh('ip', ['-n', ns, 'route', 'show', '10.244.2.0/24']), /via 192\.0\.2\.4 dev lo proto 83/);
    await ip.remove({ dst: '10.244.2.0/24', via: '192.0.2.4' });
    await ip.remove({ dst: '10.244.2.0/24', via: '192.0.2.4' });
    assert.deepEqual(await ip.list(), []);
    await assert.rejects(ip.replace({ dst: '10.244.5.0/24', via: '203.0.113.1' }), /route replace 10\.244\.5\.0\/24 via 203\.0\.113\.1 proto 83: Error: Nexthop has invalid gateway/);
  });

  it('keeps the routes to other hosts\' nodes in step with the Nodes, and cleans up what it recorded', async () => {
    const programmer = new IpRouteProgrammer({ netns: ns });
    const m = new RouteManager({ programmer, stateFile: routeStateFile(root), node: 'self', isLocal: (a) => isLocalAddress(a, ['192.0.2.1']), log: silentLogger() });
    const nodes = [node('self', '10.244.1.0/24', '192.0.2.1'), node('b', '10.244.2.0/24', '192.0.2.3'), node('c', '10.244.3.0/24', '192.0.2.4'), node('d', '10.244.4.0/24', '127.0.0.4')];
    await m.sync(nodes);
    assert.deepEqual(await programmer.list(), [
      { dst: '10.244.2.0/24', via: '192.0.2.3' },
      { dst: '10.244.3.0/24', via: '192.0.2.4' },
    ]);
    await m.sync(nodes.filter((n) => n.metadata.name !== 'c'));
    assert.deepEqual(await programmer.list(), [{ dst: '10.244.2.0/24', via: '192.0.2.3' }]);
    assert.equal(await removeRecordedRoutes(root, programmer), 1);
    assert.deepEqual(await programmer.list(), []);
  });

  it('programs the node\'s iptables rules idempotently and removes them all', async () => {
    const ipt = new ExecIptables({ netns: ns });
    await iptablesOk(ipt, ['-N', 'DOCKER-USER']);
    await iptablesOk(ipt, ['-A', 'DOCKER-USER', '-j', 'RETURN']);
    const fw = new NodeFirewall(ipt, 'n1', '10.244.0.0/16');
    await fw.ensure('10.244.1.0/24');
    await fw.ensure('10.244.1.0/24');
    const filter = await iptablesOk(ipt, ['-S', 'DOCKER-USER']);
    assert.equal(filter.match(/skiff node n1/g)?.length, 2, filter);
    assert.match(filter, /-A DOCKER-USER -s 10\.244\.1\.0\/24 -m comment --comment "skiff node n1" -j ACCEPT/);
    assert.match(filter, /-A DOCKER-USER -d 10\.244\.1\.0\/24 -m comment --comment "skiff node n1" -j ACCEPT/);
    const chain = masqueradeChain('n1');
    assert.match(await iptablesOk(ipt, ['-t', 'nat', '-S', chain]), new RegExp(`-A ${chain} -s 10\\.244\\.1\\.0/24 ! -d 10\\.244\\.0\\.0/16 -m comment --comment "skiff node n1" -j MASQUERADE`));
    assert.equal((await iptablesOk(ipt, ['-t', 'nat', '-S', 'POSTROUTING'])).match(/skiff node n1/g)?.length, 1);

    await fw.ensure('10.244.7.0/24');
    assert.doesNotMatch(await iptablesOk(ipt, ['-S', 'DOCKER-USER']), /10\.244\.1\.0/);
    assert.equal(await removeNodeNetworkRules('n1', ipt), 4);
    assert.doesNotMatch(await iptablesOk(ipt, ['-S']), /skiff node n1/);
    assert.doesNotMatch(await iptablesOk(ipt, ['-t', 'nat', '-S']), /skiff node n1|KUBELET-MASQ/);
  });
});
