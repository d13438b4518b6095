// What a cluster programmed on this host besides processes, containers and networks (issue 5):
// kube-proxy's iptables chains (named with the cluster's chain prefix), the kubelets' DOCKER-USER
// rules (commented `skiff node <node>`), routes to the nodes' pod CIDRs, ClusterIPs on lo. After
// `skiff down` none may be left; the harness reports what is and removes only that: rules carrying
// its own nodes' comment, chains of its own prefix (through `kube-proxy --cleanup`, the component's
// own way), routes to its own pod CIDRs, its own ClusterIPs on lo. A prefix or service range shared
// with other clusters (the defaults) is never swept as a whole.

import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, type Node, type Service } from '@skiff/api';
import type { Cluster } from './harness.js';
import { clusterIptables, loAddressesIn, routesTo } from './net-diagnostics.js';
import { networkPlan, type NetworkPlan } from './network-plan.js';
import { REPO_ROOT, runCommand } from './run-cli.js';

/** The chain prefix kube-proxy uses when it is not given one: shared, so never swept as a whole. */
const DEFAULT_CHAIN_PREFIX = 'SKIFF';

export interface NetworkSnapshot {
  plan: NetworkPlan;
  nodes: string[];
  podCidrs: string[];
  serviceIps: string[];
}

export interface NetworkLeftovers {
  iptables: string[];
  routes: string[];
  loAddresses: string[];
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]).catch(() => fallback);
}

/** Pod CIDRs (Nodes, Docker networks) and ClusterIPs of the cluster, merged with an earlier snapshot. */
export async function snapshotNetwork(cluster: Cluster, previous?: NetworkSnapshot): Promise<NetworkSnapshot> {
  const plan = networkPlan(cluster.state);
  const nodes = await withTimeout(cluster.client.list<Node>('nodes').then((l) => l.items), 5000, [] as Node[]);
  const services = await withTimeout(cluster.client.list<Service>('services').then((l) => l.items), 5000, [] as Service[]);
  const subnets = await withTimeout(cluster.refreshPodCidrs(), 5000, [] as string[]);
  const podCidrs = new Set([...(previous?.podCidrs ?? []), ...subnets]);
  for (const n of nodes) for (const c of [n.spec?.podCIDR, ...(n.spec?.podCIDRs ?? [])]) if (c) podCidrs.add(c);
  const serviceIps = new Set(previous?.serviceIps ?? []);
  for (const s of services) for (const ip of [s.spec.clusterIP, ...(s.spec.clusterIPs ?? [])]) if (ip && ip !== 'None') serviceIps.add(ip);
  return { plan, nodes: cluster.nodes, podCidrs: [...podCidrs], serviceIps: [...serviceIps] };
}

export async function findNetworkLeftovers(snap: NetworkSnapshot | undefined): Promise<NetworkLeftovers> {
  if (!snap) return { iptables: [], routes: [], loAddresses: [] };
  const ownPrefix = snap.plan.chainPrefix !== DEFAULT_CHAIN_PREFIX;
  const rules = await clusterIptables(ownPrefix ? snap.plan.chainPrefix : '\u0000none', snap.nodes);
  const ownRange = snap.plan.serviceRange !== DEFAULT_SERVICE_CLUSTER_IP_RANGE;
  const lo = (await loAddressesIn(snap.plan.serviceRange)).filter((a) => ownRange || snap.serviceIps.includes(a.split('/')[0] ?? ''));
  return { iptables: rules.filter((l) => !l.startsWith('*')), routes: await routesTo(snap.podCidrs), loAddresses: lo };
}

/** Splits an iptables-save rule line into arguments (double quotes group, as iptables-save writes them). */
export function ruleArgs(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}

async function run(argv: string[]): Promise<string> {
  const r = await runCommand(argv, { timeoutMs: 30_000 });
  return `${argv.join(' ')} → exit ${String(r.code)}${r.stderr.trim() ? ` (${r.stderr.trim()})` : ''}`;
}

/** Removes the leftovers found (see the file comment); returns what it did. */
export async function removeNetworkLeftovers(snap: NetworkSnapshot | undefined, left: NetworkLeftovers): Promise<string[]> {
  if (!snap) return [];
  const done: string[] = [];
  // Rules with the nodes' comment, by their exact spec (filter table: DOCKER-USER lives there).
  for (const line of left.iptables.filter((l) => l.startsWith('-A ') && snap.nodes.some((n) => l.includes(`skiff node ${n}`)))) {
    const [, ...spec] = ruleArgs(line);
    done.push(await run(['iptables', '-t', 'filter', '-D', ...spec]));
  }
  const prefixRe = new RegExp(`(^:|-[AjN] )${snap.plan.chainPrefix}`);
  if (snap.plan.chainPrefix !== DEFAULT_CHAIN_PREFIX && left.iptables.some((l) => prefixRe.test(l))) {
    const main = path.join(REPO_ROOT, 'services/kube-proxy/dist/main.js');
    if (fs.existsSync(main)) {
      done.push(await run([process.execPath, main, '--cleanup', '--proxy-mode', snap.plan.proxyMode, '--iptables-chain-prefix', snap.plan.chainPrefix]));
    } else {
      done.push(`chains ${snap.plan.chainPrefix}* left in place: no ${main} to run --cleanup with`);
    }
  }
  for (const r of left.routes) {
    const dest = r.split(' ')[0];
    if (dest) done.push(await run(['ip', 'route', 'del', dest]));
  }
  for (const a of left.loAddresses) done.push(await run(['ip', 'addr', 'del', a, 'dev', 'lo']));
  return done;
}
