import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeIptables } from './fake-iptables.js';
import { masqueradeChain, NodeFirewall, removeNodeNetworkRules } from './firewall.js';
import { ruleArgs } from './iptables.js';

const comment = (node: string) => ['-m', 'comment', '--comment', `skiff node ${node}`];

describe('the node\'s iptables rules', () => {
  it('accept the pod CIDR both ways in DOCKER-USER and masquerade only what leaves the cluster CIDR', async () => {
    const ipt = new FakeIptables();
    await new NodeFirewall(ipt, 'n1', '10.244.0.0/16').ensure('10.244.1.0/24');
    assert.deepEqual(ipt.rules('filter', 'DOCKER-USER'), [
      ['-d', '10.244.1.0/24', ...comment('n1'), '-j', 'ACCEPT'],
      ['-s', '10.244.1.0/24', ...comment('n1'), '-j', 'ACCEPT'],
      ['-j', 'RETURN'],
    ]);
    const chain = masqueradeChain('n1');
    assert.match(chain, /^KUBELET-MASQ-[0-9A-F]{12}$/);
    assert.ok(chain.length <= 28);
    assert.deepEqual(ipt.rules('nat', 'POSTROUTING'), [[...comment('n1'), '-j', chain]]);
    assert.deepEqual(ipt.rules('nat', chain), [['-s', '10.244.1.0/24', '!', '-d', '10.244.0.0/16', ...comment('n1'), '-j', 'MASQUERADE']]);
  });

  it('are idempotent (checked with -C, nothing inserted twice) and follow a new pod CIDR', async () => {
    const ipt = new FakeIptables();
    const fw = new NodeFirewall(ipt, 'n1', '10.244.0.0/16');
    await fw.ensure('10.244.1.0/24');
    const writes = () => ipt.calls.filter((c) => ['-I', '-A', '-D', '-N', '-F', '-X'].some((op) => c.includes(op))).length;
    const before = writes();
    await fw.ensure('10.244.1.0/24');
    assert.equal(writes(), before, 'a second ensure changes nothing');
    await fw.ensure('10.244.9.0/24');
    assert.deepEqual(ipt.rules('filter', 'DOCKER-USER'), [
      ['-d', '10.244.9.0/24', ...comment('n1'), '-j', 'ACCEPT'],
      ['-s', '10.244.9.0/24', ...comment('n1'), '-j', 'ACCEPT'],
      ['-j', 'RETURN'],
    ]);
    assert.deepEqual(ipt.rules('nat', masqueradeChain('n1')), [['-s', '10.244.9.0/24', '!', '-d', '10.244.0.0/16', ...comment('n1'), '-j', 'MASQUERADE']]);
  });

  it('fail clearly without Docker\'s DOCKER-USER chain', async () => {
    await assert.rejects(new NodeFirewall(new FakeIptables({ dockerUser: false }), 'n1', '10.244.0.0/16').ensure('10.244.1.0/24'), /the iptables chain DOCKER-USER does not exist/);
  });

  it('are removed by removeNodeNetworkRules, leaving other nodes\' (n10 is not n1) and Docker\'s', async () => {
    const ipt = new FakeIptables();
    await new NodeFirewall(ipt, 'n1', '10.244.0.0/16').ensure('10.244.1.0/24');
    await new NodeFirewall(ipt, 'n10', '10.244.0.0/16').ensure('10.244.10.0/24');
    assert.equal(await removeNodeNetworkRules('n1', ipt), 4);
    assert.equal(ipt.rules('nat', masqueradeChain('n1')), undefined);
    assert.deepEqual(ipt.rules('filter', 'DOCKER-USER'), [
      ['-d', '10.244.10.0/24', ...comment('n10'), '-j', 'ACCEPT'],
      ['-s', '10.244.10.0/24', ...comment('n10'), '-j', 'ACCEPT'],
      ['-j', 'RETURN'],
    ]);
    assert.deepEqual(ipt.rules('nat', 'POSTROUTING'), [[...comment('n10'), '-j', masqueradeChain('n10')]]);
    assert.equal(await removeNodeNetworkRules('n1', ipt), 0);
  });

  it('reads rule lines as iptables -S writes them', () => {
    assert.deepEqual(ruleArgs('-A DOCKER-USER -s 10.0.0.0/24 -m comment --comment "skiff node a \\"b\\"" -j ACCEPT'), ['-A', 'DOCKER-USER', '-s', '10.0.0.0/24', '-m', 'comment', '--comment', 'skiff node a "b"', '-j', 'ACCEPT']);
  });
});
