// Evidence for a networking failure, gathered the way an operator would look: the iptables rules of
// the cluster (its chain prefix and the kubelets' DOCKER-USER rules), the host's routes to the pod
// CIDRs and the addresses on lo, the nodes' podCIDRs against their Docker networks, the Services,
// Endpoints and EndpointSlices of a namespace, and the tails of the networking components' logs.
// `withNetworkDiagnostics` attaches it (in a file, and a summary in the message) to a failing step,
// so the failure says which component to look at. Read-only: nothing here changes the machine.

import fs from 'node:fs';
import path from 'node:path';
import type { Endpoints, EndpointSlice, Ingress, Node, Service } from '@skiff/api';
import { LABEL_SERVICE_NAME, parseCidr, cidrContains } from '@skiff/api';
import type { Cluster } from './harness.js';
import { networkPlan } from './network-plan.js';
import { runCommand } from './run-cli.js';

/** stdout of a command, or a line saying why there is none. */
async function commandOutput(argv: string[]): Promise<string> {
  try {
    const r = await runCommand(argv, { timeoutMs: 15_000 });
    return r.code === 0 ? r.stdout : `(${argv.join(' ')}: exit ${String(r.code)} ${r.stderr.trim()})`;
  } catch (e) {
    return `(${argv.join(' ')}: ${e instanceof Error ? e.message : String(e)})`;
  }
}

/** `iptables-save` lines (with their table header) for which `keep` is true. */
export async function iptablesLines(keep: (line: string) => boolean): Promise<string[]> {
  const text = await commandOutput(['iptables-save']);
  const out: string[] = [];
  let table = '';
  let tableShown = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) table = line;
    if (!keep(line)) continue;
    if (table !== tableShown) {
      out.push(table);
      tableShown = table;
    }
    out.push(line);
  }
  return out;
}

/** The comment the kubelets give their DOCKER-USER rules. */
export function nodeRuleComment(node: string): string {
  return `skiff node ${node}`;
}

/** Rules and chains of the cluster: its kube-proxy chain prefix, and its nodes' DOCKER-USER rules. */
export async function clusterIptables(chainPrefix: string, nodes: readonly string[]): Promise<string[]> {
  const prefixRe = new RegExp(`(^:|-[AIjN] |-g )${chainPrefix}[-_A-Z0-9]*`);
  return iptablesLines((l) => prefixRe.test(l) || nodes.some((n) => l.includes(nodeRuleComment(n))));
}

/** `ip -4 route` lines whose destination is one of the CIDRs. */
export async function routesTo(cidrs: readonly string[]): Promise<string[]> {
  const text = await commandOutput(['ip', '-4', 'route', 'show']);
  return text.split('\n').filter((l) => cidrs.some((c) => l.startsWith(`${c} `)));
}

/** Addresses on `lo` inside `range` (userspace kube-proxy puts ClusterIPs there). */
export async function loAddressesIn(range: string): Promise<string[]> {
  const text = await commandOutput(['ip', '-4', '-o', 'addr', 'show', 'dev', 'lo']);
  const cidr = parseCidr(range);
  return [...text.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/(\d+)/g)].filter((m) => cidrContains(cidr, m[1] ?? '')).map((m) => `${m[1]}/${m[2]}`);
}

function compact(o: unknown): string {
  return JSON.stringify(o);
}

/** A text report of the cluster's network state (see the file comment). */
export async function networkDiagnostics(cluster: Cluster, namespace?: string): Promise<string> {
  const plan = networkPlan(cluster.state);
  const parts: string[] = [];
  const section = (title: string, body: string | string[]): void => {
    const text = Array.isArray(body) ? body.join('\n') : body;
    parts.push(`=== ${title} ===\n${text.trimEnd() || '(none)'}`);
  };
  section('address plan', compact(plan));
  try {
    const nodes = (await cluster.client.list<Node>('nodes')).items;
    section(
      'nodes (podCIDR, addresses)',
      nodes.map((n) => `${n.metadata.name ?? ''} podCIDR=${n.spec?.podCIDR ?? '-'} podCIDRs=${compact(n.spec?.podCIDRs ?? [])} addresses=${compact(n.status?.addresses ?? [])}`),
    );
    const cidrs = nodes.map((n) => n.spec?.podCIDR).filter((c): c is string => typeof c === 'string');
    section(`ip route to the pod CIDRs (${cidrs.join(' ') || 'none known'})`, await routesTo(cidrs));
  } catch (e) {
    section('nodes', `(cannot list: ${e instanceof Error ? e.message : String(e)})`);
  }
  try {
    const nets = await cluster.networks();
    section(
      'docker networks of the nodes',
      nets.map((n) => `${n.Name} subnet=${(n.IPAM?.Config ?? []).map((c) => `${c.Subnet ?? '?'} gw ${c.Gateway ?? '?'}`).join(',')} bridge=${n.Options?.['com.docker.network.bridge.name'] ?? n.Id.slice(0, 12)}`),
    );
  } catch (e) {
    section('docker networks', `(cannot list: ${e instanceof Error ? e.message : String(e)})`);
  }
  section(`iptables-save: chains ${plan.chainPrefix}* and DOCKER-USER rules of the nodes`, await clusterIptables(plan.chainPrefix, cluster.nodes));
  section('iptables-save: DOCKER-USER and POSTROUTING (all)', await iptablesLines((l) => /DOCKER-USER|^-A POSTROUTING/.test(l)));
  section('sysctl', [await commandOutput(['sysctl', 'net.ipv4.conf.all.route_localnet', 'net.ipv4.ip_forward'])]);
  section(`addresses on lo in ${plan.serviceRange}`, await loAddressesIn(plan.serviceRange));
  if (namespace) {
    try {
      const [svcs, eps, slices, ings] = await Promise.all([
        cluster.client.list<Service>('services', { namespace }),
        cluster.client.list<Endpoints>('endpoints', { namespace }),
        cluster.client.list<EndpointSlice>('endpointslices', { namespace }),
        cluster.client.list<Ingress>('ingresses', { namespace }),
      ]);
      section(
        `services in ${namespace}`,
        svcs.items.map((s) => `${s.metadata.name ?? ''} ${s.spec.type ?? 'ClusterIP'} ${s.spec.clusterIP ?? '-'} ports=${compact(s.spec.ports ?? [])} selector=${compact(s.spec.selector ?? {})} lb=${compact(s.status?.loadBalancer ?? {})}`),
      );
      section(`endpoints in ${namespace}`, eps.items.map((e) => `${e.metadata.name ?? ''} ${compact(e.subsets ?? [])}`));
      section(
        `endpointslices in ${namespace}`,
        slices.items.map((s) => `${s.metadata.name ?? ''} svc=${s.metadata.labels?.[LABEL_SERVICE_NAME] ?? '-'} ports=${compact(s.ports ?? [])} endpoints=${compact(s.endpoints.map((x) => ({ a: x.addresses, c: x.conditions, n: x.nodeName })))}`),
      );
      section(`ingresses in ${namespace}`, ings.items.map((i) => `${i.metadata.name ?? ''} class=${i.spec.ingressClassName ?? '-'} status=${compact(i.status ?? {})}`));
    } catch (e) {
      section(`objects in ${namespace}`, `(cannot list: ${e instanceof Error ? e.message : String(e)})`);
    }
  }
  for (const p of cluster.processes().filter((x) => ['kube-proxy', 'dns', 'ingress-controller', 'controller-manager', 'kubelet'].includes(x.kind))) {
    section(`log tail: ${p.name} (${p.log})`, cluster.logTail(p.name, 25));
  }
  return parts.join('\n\n');
}

let diagCount = 0;

/** Writes the report next to the cluster's kept logs; returns the file. */
export async function saveNetworkDiagnostics(cluster: Cluster, label: string, namespace?: string): Promise<{ file: string; text: string }> {
  const text = await networkDiagnostics(cluster, namespace);
  const dir = path.join(cluster.saveLogs());
  const file = path.join(dir, `net-diagnostics-${++diagCount}-${label.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.txt`);
  fs.writeFileSync(file, text);
  return { file, text };
}

/**
 * Runs `fn`; when it throws, rethrows with the network report appended (the part before the log
 * tails in the message, all of it in a file).
 */
export async function withNetworkDiagnostics<T>(cluster: Cluster, label: string, namespace: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    let extra: string;
    try {
      const { file, text } = await saveNetworkDiagnostics(cluster, label, namespace);
      const head = text.split('\n=== log tail')[0] ?? text;
      extra = `\n--- network diagnostics (full report with log tails: ${file}) ---\n${head.length > 12_000 ? `${head.slice(0, 12_000)}…` : head}`;
    } catch (d) {
      extra = `\n(no network diagnostics: ${d instanceof Error ? d.message : String(d)})`;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    err.message = `${err.message}${extra}`;
    throw err;
  }
}
