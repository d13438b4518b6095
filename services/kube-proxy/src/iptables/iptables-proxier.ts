// iptables mode (Kubernetes' pkg/proxy/iptables/proxier.go). A full sync (the first, every
// `fullSyncPeriodMs`, after a failure, when the node addresses change) reads the nat and filter
// tables, generates the full contents of the proxy's chains (proxy-rules.ts), and applies them,
// the stale-chain removal and the jump fixes in one `iptables-restore --noflush` batch
// (restore-plan.ts). In between, partial syncs skip iptables-save and rewrite only the fixed
// chains and those of the Services that changed, deleting the chains the previous sync had and
// this one does not. Then UDP conntrack entries that now point nowhere are flushed.

import type { Logger } from '@skiff/component';
import type { Clock } from '@skiff/machinery';
import type { Conntrack } from '../host/conntrack.js';
import { isLoopback } from '../host/local-addresses.js';
import { ROUTE_LOCALNET, ensureSysctl, type Sysctl } from '../host/sysctl.js';
import type { ProxyMetrics } from '../metrics.js';
import type { Proxier, ProxySnapshot, SyncStats } from '../proxier.js';
import type { ChainNames } from './chain-names.js';
import type { Iptables } from './iptables.js';
import { jumpRules } from './jump-rules.js';
import { buildProxyRules, type ProxyRules } from './proxy-rules.js';
import { planPartialSync, planSync, type RestorePlan } from './restore-plan.js';
import { parseSavedTable } from './save-format.js';

export interface IptablesProxierOptions {
  iptables: Iptables;
  conntrack: Conntrack;
  sysctl: Sysctl;
  names: ChainNames;
  clusterCidr?: string | undefined;
  masqueradeAll: boolean;
  /** The fwmark bit for masquerading (Kubernetes' --iptables-masquerade-bit, default 14 = 0x4000). */
  masqueradeBit: number;
  log: Logger;
  metrics?: ProxyMetrics | undefined;
  /** Partial syncs in between; a full one at least this often (--sync-period). 0: always full. */
  fullSyncPeriodMs?: number;
  clock?: Pick<Clock, 'now'>;
}

export function masqueradeMark(bit: number): string {
  return `0x${(2 ** bit).toString(16).padStart(4, '0')}`;
}

export class IptablesProxier implements Proxier {
  readonly mode = 'iptables';
  private readonly mark: string;
  /** route_localnet is known to be 1 (set by us or already). */
  private localnet = false;
  private warnedConntrack = false;
  /** What the last successful sync left in place; undefined: the next sync is a full one. */
  private last: { at: number; nat: Set<string>; nodeAddresses: string; localnet: boolean } | undefined;

  constructor(private readonly opts: IptablesProxierOptions) {
    this.mark = masqueradeMark(opts.masqueradeBit);
  }

  private now(): number {
    return this.opts.clock?.now() ?? Date.now();
  }

  async sync(snap: ProxySnapshot): Promise<SyncStats> {
    const { iptables, names, log, metrics } = this.opts;
    const loopbackDestinations = (): boolean =>
      snap.nodeAddresses.some(isLoopback) || [...snap.services.values()].some((svc) => [...svc.loadBalancerIPs, ...svc.externalIPs].some(isLoopback));
    if (!this.localnet && loopbackDestinations()) {
      try {
        if (await ensureSysctl(this.opts.sysctl, ROUTE_LOCALNET, 1)) {
          log.info('set net.ipv4.conf.all.route_localnet=1 to serve NodePorts and load-balancer IPs on loopback addresses');
        }
        this.localnet = true;
      } catch (e) {
        log.error({ err: e }, 'cannot set net.ipv4.conf.all.route_localnet=1: NodePorts on loopback node addresses are not served');
      }
    }
    const nodeAddresses = snap.nodeAddresses.join(',');
    const period = this.opts.fullSyncPeriodMs ?? 0;
    const last = this.last;
    const full = !last || period === 0 || this.now() - last.at >= period || last.nodeAddresses !== nodeAddresses || last.localnet !== this.localnet;
    const startedAt = this.now();
    const randomFully = await iptables.hasRandomFully();
    const input = {
      names,
      services: snap.services,
      endpoints: snap.endpoints,
      nodeAddresses: snap.nodeAddresses,
      clusterCidr: this.opts.clusterCidr,
      masqueradeAll: this.opts.masqueradeAll,
      masqueradeMark: this.mark,
      localhostNodePorts: this.localnet,
      randomFully,
    };
    let rules: ProxyRules;
    let plan: RestorePlan;
    if (full || !last) {
      const [nat, filter] = await Promise.all([iptables.save('nat'), iptables.save('filter')]);
      rules = buildProxyRules(input);
      plan = planSync(names, rules, { nat: parseSavedTable(nat), filter: parseSavedTable(filter) }, jumpRules(names, { firewall: true }));
    } else {
      const changed = new Set([...snap.serviceChanges.updatedServices, ...snap.endpointChanges.updatedServices]);
      rules = buildProxyRules({ ...input, onlyServices: changed });
      const active = rules.active.nat;
      plan = planPartialSync(rules, [...last.nat].filter((c) => !active.has(c) && names.isHashed(c)).sort());
    }
    this.last = undefined;
    try {
      await iptables.restore(plan.text);
    } catch (e) {
      metrics?.restoreFailures.inc();
      throw e;
    }
    this.last = { at: full ? startedAt : last?.at ?? startedAt, nat: rules.active.nat, nodeAddresses, localnet: this.localnet };
    if (plan.deletedChains.length > 0) log.debug({ chains: plan.deletedChains.length }, 'deleted stale chains');
    if (plan.jumpsInserted + plan.jumpsDeleted > 0) log.info({ inserted: plan.jumpsInserted, deleted: plan.jumpsDeleted }, 'fixed jump rules in built-in chains');
    const natTotal = rules.natRules.length + rules.skippedNatRules;
    metrics?.iptablesTotal.set({ table: 'nat' }, natTotal);
    metrics?.iptablesTotal.set({ table: 'filter' }, rules.filterRules.length);
    metrics?.iptablesLast.set({ table: 'nat' }, rules.natRules.length);
    metrics?.iptablesLast.set({ table: 'filter' }, rules.filterRules.length);
    await this.cleanStaleConntrack(snap);
    return { servicePorts: rules.servicePorts, endpoints: rules.endpoints, full, rules: { nat: natTotal, filter: rules.filterRules.length, written: rules.natRules.length + rules.filterRules.length } };
  }

  /** pkg/proxy/conntrack/cleanup.go: UDP entries for removed ClusterIPs, newly active services and removed endpoints. */
  private async cleanStaleConntrack(snap: ProxySnapshot): Promise<void> {
    const { conntrack, log } = this.opts;
    const ips = new Set(snap.serviceChanges.deletedUDPClusterIPs);
    const ports = new Set<number>();
    for (const key of snap.endpointChanges.newlyActiveUDPServices) {
      const svc = snap.services.get(key);
      if (!svc) continue;
      for (const ip of [svc.clusterIP, ...svc.externalIPs, ...svc.loadBalancerIPs]) ips.add(ip);
      if (svc.nodePort !== 0) ports.add(svc.nodePort);
    }
    const nat: [string | number, string][] = [];
    for (const { servicePort, endpoint } of snap.endpointChanges.deletedUDPEndpoints) {
      const svc = snap.services.get(servicePort);
      if (!svc) continue;
      if (svc.nodePort !== 0) nat.push([svc.nodePort, endpoint.ip]);
      for (const ip of [svc.clusterIP, ...svc.externalIPs, ...svc.loadBalancerIPs]) nat.push([ip, endpoint.ip]);
    }
    if (ips.size + ports.size + nat.length === 0) return;
    if (!(await conntrack.available())) {
      if (!this.warnedConntrack) log.warn('the conntrack binary is not installed: stale UDP conntrack entries are not flushed (they expire by themselves)');
      this.warnedConntrack = true;
      return;
    }
    const jobs = [
      ...[...ips].map((ip) => conntrack.clearUdpForIP(ip)),
      ...[...ports].map((p) => conntrack.clearUdpForPort(p)),
      ...nat.map(([dst, ep]) => (typeof dst === 'number' ? conntrack.clearUdpPortNat(dst, ep) : conntrack.clearUdpNat(dst, ep))),
    ];
    for (const r of await Promise.allSettled(jobs)) if (r.status === 'rejected') log.warn({ err: r.reason }, 'failed to flush stale UDP conntrack entries');
  }

  async shutdown(): Promise<void> {
    // Rules stay in the kernel: traffic keeps flowing while kube-proxy restarts (as in Kubernetes).
  }
}
