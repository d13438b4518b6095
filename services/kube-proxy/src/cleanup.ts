// `kube-proxy --cleanup` (Kubernetes' CleanupLeftovers): removes everything a proxy with this chain
// prefix programmed, in either mode: the jumps from built-in chains, every chain of the prefix in
// the nat and filter tables (one iptables-restore batch), and the ClusterIPs it put on `lo`.
// Also used at start to clear the other mode's leftovers. route_localnet is left as it is, since
// another proxy on the host may rely on it (Kubernetes does the same).

import type { Logger } from '@skiff/component';
import type { ChainNames } from './iptables/chain-names.js';
import type { Iptables } from './iptables/iptables.js';
import { planCleanup } from './iptables/restore-plan.js';
import { parseSavedTable } from './iptables/save-format.js';
import type { AddressProgrammer } from './userspace/address-programmer.js';

export interface CleanupReport {
  chains: number;
  jumps: number;
  addresses: number;
  errors: string[];
}

export async function cleanupIptables(names: ChainNames, iptables: Iptables, log: Logger): Promise<Pick<CleanupReport, 'chains' | 'jumps'>> {
  const [nat, filter] = await Promise.all([iptables.save('nat'), iptables.save('filter')]);
  const plan = planCleanup(names, { nat: parseSavedTable(nat), filter: parseSavedTable(filter) });
  if (!plan) return { chains: 0, jumps: 0 };
  await iptables.restore(plan.text);
  log.info({ chains: plan.deletedChains.length, jumps: plan.jumpsDeleted, prefix: names.prefix }, 'removed iptables chains and jump rules');
  return { chains: plan.deletedChains.length, jumps: plan.jumpsDeleted };
}

export async function cleanupAddresses(addresses: AddressProgrammer, log: Logger): Promise<number> {
  const ours = await addresses.list();
  for (const ip of ours) await addresses.remove(ip);
  if (ours.length > 0) log.info({ addresses: ours }, 'removed service addresses from lo');
  return ours.length;
}

/** Removes everything of this prefix; collects errors instead of stopping at the first. */
export async function cleanupLeftovers(opts: { names: ChainNames; iptables?: Iptables | undefined; addresses?: AddressProgrammer | undefined; log: Logger }): Promise<CleanupReport> {
  const report: CleanupReport = { chains: 0, jumps: 0, addresses: 0, errors: [] };
  if (opts.iptables) {
    try {
      Object.assign(report, await cleanupIptables(opts.names, opts.iptables, opts.log));
    } catch (e) {
      report.errors.push(`iptables: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (opts.addresses) {
    try {
      report.addresses = await cleanupAddresses(opts.addresses, opts.log);
    } catch (e) {
      report.errors.push(`addresses: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return report;
}
