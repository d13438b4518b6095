// The only rules kube-proxy puts outside its own chains: one jump per (built-in chain, own chain),
// as Kubernetes' `iptablesJumpChains` (pkg/proxy/iptables/proxier.go). They are written in the
// exact form iptables-save prints them back, so a restarted proxy recognises its own rules and
// keeps each jump unique instead of adding another.

import type { ChainNames, FixedChain } from './chain-names.js';
import type { Table } from './iptables.js';

export interface JumpRule {
  table: Table;
  /** The built-in chain the rule lives in. */
  from: string;
  /** The proxy's chain it jumps to. */
  to: FixedChain;
  /** The rule's words after `-A <from>`, as iptables-save prints them. */
  words: string[];
}

const NEW_ONLY = ['-m', 'conntrack', '--ctstate', 'NEW'];

function jump(names: ChainNames, table: Table, from: string, to: FixedChain, comment: string, extra: string[] = []): JumpRule {
  return { table, from, to, words: [...extra, '-m', 'comment', '--comment', `${names.prefix}: ${comment}`, '-j', names.fixed(to)] };
}

/** The jumps of iptables mode; `firewall` adds the localnet-protection jump (when loopback NodePorts are served). */
export function jumpRules(names: ChainNames, opts: { firewall: boolean }): JumpRule[] {
  const rules = [
    jump(names, 'filter', 'INPUT', 'external', 'externally-visible service portals', NEW_ONLY),
    jump(names, 'filter', 'FORWARD', 'external', 'externally-visible service portals', NEW_ONLY),
    jump(names, 'filter', 'FORWARD', 'services', 'service portals', NEW_ONLY),
    jump(names, 'filter', 'OUTPUT', 'services', 'service portals', NEW_ONLY),
    jump(names, 'filter', 'FORWARD', 'forward', 'forwarding rules'),
    jump(names, 'nat', 'OUTPUT', 'services', 'service portals'),
    jump(names, 'nat', 'PREROUTING', 'services', 'service portals'),
    jump(names, 'nat', 'POSTROUTING', 'postrouting', 'postrouting rules'),
  ];
  if (opts.firewall) rules.push(jump(names, 'filter', 'INPUT', 'firewall', 'block incoming localnet connections'));
  return rules;
}
