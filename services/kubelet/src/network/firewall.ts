// The node's iptables rules, each commented `skiff node <node>`:
//
// - filter DOCKER-USER: `-s <podCIDR> -j ACCEPT` and `-d <podCIDR> -j ACCEPT`. Docker isolates its
//   bridge networks from one another (DOCKER-ISOLATION-*, after DOCKER-USER in FORWARD); these let
//   pod traffic cross between the nodes' bridges on one host, and in from other hosts.
// - nat: the node network is made with Docker's masquerade off
//   (com.docker.network.bridge.enable_ip_masquerade=false), because Docker's own rule
//   (`-s <subnet> ! -o <bridge> -j MASQUERADE`) also rewrites pod-to-pod traffic between two bridges,
//   and a server would see the other bridge's gateway instead of the client's pod IP (measured:
//   10.250.2.1 instead of 10.250.1.2). Kubernetes' rule is that pod-to-pod traffic is not NATed, so
//   the kubelet masquerades only what leaves the cluster CIDR, in a chain of its own:
//   POSTROUTING `-j KUBELET-MASQ-<hash>`, holding `-s <podCIDR> ! -d <clusterCIDR> -j MASQUERADE`
//   (as kubenet's "SNAT for outbound traffic from cluster").
//
// Programming is idempotent (`-C` before every insert) and converges: rules of an earlier pod CIDR
// are deleted. `removeNodeNetworkRules` removes all of it (the CLI calls it on `skiff down`).

import { createHash } from 'node:crypto';
import { parseCidr } from '@skiff/api';
import { argAfter, ExecIptables, iptablesOk, listRules, type Iptables } from './iptables.js';

export const DOCKER_USER_CHAIN = 'DOCKER-USER';

/** The comment on every rule the kubelet of `node` programs. */
export function nodeRuleComment(node: string): string {
  return `skiff node ${node}`;
}

/** The node's own nat chain: `KUBELET-MASQ-` and 12 hex digits of the node name's hash (25 chars,
 *  iptables allows 28; not `SKIFF...`, which is kube-proxy's default chain prefix). */
export function masqueradeChain(node: string): string {
  return `KUBELET-MASQ-${createHash('sha256').update(node).digest('hex').slice(0, 12).toUpperCase()}`;
}

function comment(node: string): string[] {
  return ['-m', 'comment', '--comment', nodeRuleComment(node)];
}

export class NodeFirewall {
  constructor(
    private readonly ipt: Iptables,
    private readonly node: string,
    private readonly clusterCIDR: string,
  ) {}

  /** Programs the rules for `podCIDR`, removing those of any other. Throws when DOCKER-USER is
   *  missing (Docker does not manage iptables) or iptables fails. */
  async ensure(podCIDR: string): Promise<void> {
    const cidr = parseCidr(podCIDR).text;
    const ours = comment(this.node);
    const accept = [
      ['-s', cidr, ...ours, '-j', 'ACCEPT'],
      ['-d', cidr, ...ours, '-j', 'ACCEPT'],
    ];
    const dockerUser = await listRules(this.ipt, 'filter', DOCKER_USER_CHAIN);
    if (!dockerUser) throw new Error(`the iptables chain ${DOCKER_USER_CHAIN} does not exist (Docker makes it when it manages iptables)`);
    for (const rule of dockerUser) {
      if (argAfter(rule, '--comment') !== nodeRuleComment(this.node)) continue;
      const address = argAfter(rule, '-s') ?? argAfter(rule, '-d');
      if (address === undefined || parseCidr(address).text !== cidr) await iptablesOk(this.ipt, ['-t', 'filter', '-D', DOCKER_USER_CHAIN, ...rule]);
    }
    for (const rule of accept) {
      if ((await this.ipt.run(['-t', 'filter', '-C', DOCKER_USER_CHAIN, ...rule])).code !== 0) {
        await iptablesOk(this.ipt, ['-t', 'filter', '-I', DOCKER_USER_CHAIN, '1', ...rule]);
      }
    }

    const chain = masqueradeChain(this.node);
    const masquerade = ['-s', cidr, '!', '-d', parseCidr(this.clusterCIDR).text, ...ours, '-j', 'MASQUERADE'];
    const existing = await listRules(this.ipt, 'nat', chain);
    if (!existing) await iptablesOk(this.ipt, ['-t', 'nat', '-N', chain]);
    const current = existing ?? [];
    if (current.length !== 1 || (await this.ipt.run(['-t', 'nat', '-C', chain, ...masquerade])).code !== 0) {
      await iptablesOk(this.ipt, ['-t', 'nat', '-F', chain]);
      await iptablesOk(this.ipt, ['-t', 'nat', '-A', chain, ...masquerade]);
    }
    const jump = [...ours, '-j', chain];
    if ((await this.ipt.run(['-t', 'nat', '-C', 'POSTROUTING', ...jump])).code !== 0) {
      await iptablesOk(this.ipt, ['-t', 'nat', '-A', 'POSTROUTING', ...jump]);
    }
  }

  async remove(): Promise<number> {
    return removeNodeNetworkRules(this.node, this.ipt);
  }
}

/**
 * Removes every iptables rule the kubelet of `node` programmed (DOCKER-USER accepts, the POSTROUTING
 * jump and its KUBELET-MASQ chain); returns how many rules went. Idempotent; for `skiff down` and
 * tests, after the node's containers and network are gone.
 */
export async function removeNodeNetworkRules(node: string, ipt: Iptables = new ExecIptables()): Promise<number> {
  let removed = 0;
  const text = nodeRuleComment(node);
  for (const [table, chain] of [
    ['filter', DOCKER_USER_CHAIN],
    ['nat', 'POSTROUTING'],
  ] as const) {
    for (const rule of (await listRules(ipt, table, chain)) ?? []) {
      if (argAfter(rule, '--comment') !== text) continue;
      await iptablesOk(ipt, ['-t', table, '-D', chain, ...rule]);
      removed++;
    }
  }
  const chain = masqueradeChain(node);
  const rules = await listRules(ipt, 'nat', chain);
  if (rules) {
    await iptablesOk(ipt, ['-t', 'nat', '-F', chain]);
    await iptablesOk(ipt, ['-t', 'nat', '-X', chain]);
    removed += rules.length;
  }
  return removed;
}
