// The address plan of a local cluster: its pod network (--cluster-cidr), Service range, node
// loopback addresses and kube-proxy chain prefix. `default` mode keeps Kubernetes' defaults
// (pods 10.244.0.0/16, Services 10.96.0.0/12, nodes 127.0.0.2..., chains SKIFF-*); `auto` mode picks,
// at random, what no other cluster on this machine uses: a pod /16 and a Service /16 in 10.0.0.0/8
// that overlap no Docker network, host interface or route, other cluster or the defaults; a node
// block 127.<a>.<b>.0/24 (a > 0); a chain prefix SK<4 hex digits>. Pure functions: what is taken
// is gathered elsewhere (address-claims.ts, taken-addresses.ts).

import {
  DEFAULT_CLUSTER_CIDR,
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_NODE_CIDR_MASK_SIZE,
  DEFAULT_SERVICE_CLUSTER_IP_RANGE,
  DEFAULT_SERVICE_NODE_PORT_RANGE,
  cidrsOverlap,
  clusterDnsIp,
  parseCidr,
} from '@skiff/api';

export type ProxyMode = 'iptables' | 'userspace';
export const PROXY_MODES: readonly ProxyMode[] = ['iptables', 'userspace'];
export type NetworkMode = 'default' | 'auto';

/** kube-proxy's default --iptables-chain-prefix. */
export const DEFAULT_CHAIN_PREFIX = 'SKIFF';
/** Node i (1-based) of a default-mode cluster is 127.0.0.<1+i>. */
export const DEFAULT_NODE_ADDRESS_PREFIX = '127.0.0';

export interface NetworkPlan {
  /** How it was chosen: `default` (Kubernetes' defaults) or `auto` (not colliding with other clusters). */
  mode: NetworkMode;
  /** The controller-manager's --cluster-cidr: each node's podCIDR is a block of it. */
  clusterCidr: string;
  nodeCidrMaskSize: number;
  /** The apiserver's --service-cluster-ip-range. */
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  clusterDomain: string;
  /** The kube-dns ClusterIP the kubelets give pods as their nameserver (the range's 10th address). */
  clusterDns: string;
  /** The first three octets of the nodes' loopback addresses: node i is `<prefix>.<1+i>`. */
  nodeAddressPrefix: string;
  /** kube-proxy's --iptables-chain-prefix: every chain it makes starts with it. */
  iptablesChainPrefix: string;
  proxyMode: ProxyMode;
}

/** Something another cluster, Docker or the host already uses, and who, for error messages. */
export interface TakenCidr {
  cidr: string;
  owner: string;
}

export interface TakenAddresses {
  cidrs: readonly TakenCidr[];
  /** Node address prefixes (`127.a.b`) of other clusters. */
  nodeAddressPrefixes: readonly string[];
  chainPrefixes: readonly string[];
}

export const NOTHING_TAKEN: TakenAddresses = { cidrs: [], nodeAddressPrefixes: [], chainPrefixes: [] };

/** The loopback address of node i (1-based) under a prefix: node 1 is <prefix>.2. */
export function nodeAddressIn(prefix: string, i: number, maxNodes: number): string {
  if (!Number.isInteger(i) || i < 1 || i > maxNodes) throw new RangeError(`node index ${i} out of range 1..${maxNodes}`);
  return `${prefix}.${1 + i}`;
}

export function defaultNetworkPlan(proxyMode: ProxyMode = 'iptables'): NetworkPlan {
  return {
    mode: 'default',
    clusterCidr: DEFAULT_CLUSTER_CIDR,
    nodeCidrMaskSize: DEFAULT_NODE_CIDR_MASK_SIZE,
    serviceClusterIpRange: DEFAULT_SERVICE_CLUSTER_IP_RANGE,
    serviceNodePortRange: DEFAULT_SERVICE_NODE_PORT_RANGE,
    clusterDomain: DEFAULT_CLUSTER_DOMAIN,
    clusterDns: clusterDnsIp(DEFAULT_SERVICE_CLUSTER_IP_RANGE),
    nodeAddressPrefix: DEFAULT_NODE_ADDRESS_PREFIX,
    iptablesChainPrefix: DEFAULT_CHAIN_PREFIX,
    proxyMode,
  };
}

/** What an auto plan never takes: the defaults, which a default-mode cluster may claim at any time. */
const RESERVED: readonly TakenCidr[] = [
  { cidr: DEFAULT_CLUSTER_CIDR, owner: "the default cluster's pod network" },
  { cidr: DEFAULT_SERVICE_CLUSTER_IP_RANGE, owner: "the default cluster's Service range" },
];

export class NoFreeAddresses extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoFreeAddresses';
  }
}

function overlapping(cidr: string, taken: readonly TakenCidr[]): TakenCidr | undefined {
  const c = parseCidr(cidr);
  return taken.find((t) => {
    try {
      return cidrsOverlap(c, parseCidr(t.cidr));
    } catch {
      return false;
    }
  });
}

function pick<T>(items: readonly T[], random: () => number): T | undefined {
  return items.length === 0 ? undefined : items[Math.min(items.length - 1, Math.floor(random() * items.length))];
}

/** A plan for `auto` mode that collides with nothing in `taken` (nor the defaults). */
export function chooseNetworkPlan(opts: { proxyMode?: ProxyMode; taken: TakenAddresses; random?: () => number }): NetworkPlan {
  const random = opts.random ?? Math.random;
  const taken = [...RESERVED, ...opts.taken.cidrs];
  const free16s: string[] = [];
  for (let x = 0; x < 256; x++) {
    const cidr = `10.${x}.0.0/16`;
    if (overlapping(cidr, taken) === undefined) free16s.push(cidr);
  }
  const clusterCidr = pick(free16s, random);
  const serviceClusterIpRange = pick(
    free16s.filter((c) => c !== clusterCidr),
    random,
  );
  if (clusterCidr === undefined || serviceClusterIpRange === undefined) {
    throw new NoFreeAddresses(`no two free /16 blocks left in 10.0.0.0/8 for the pod network and the Service range (${taken.length} blocks in use)`);
  }

  const usedPrefixes = new Set(opts.taken.nodeAddressPrefixes);
  const freePrefix = (): string | undefined => {
    // Random tries first (the space is large), then a scan, so a nearly full space still works.
    for (let i = 0; i < 200; i++) {
      const p = `127.${1 + Math.floor(random() * 254)}.${Math.floor(random() * 256)}`;
      if (!usedPrefixes.has(p)) return p;
    }
    for (let a = 1; a < 255; a++) for (let b = 0; b < 256; b++) if (!usedPrefixes.has(`127.${a}.${b}`)) return `127.${a}.${b}`;
    return undefined;
  };
  const nodeAddressPrefix = freePrefix();
  if (nodeAddressPrefix === undefined) throw new NoFreeAddresses('no free 127.a.b.0/24 block left for the node addresses');

  const usedChains = new Set(opts.taken.chainPrefixes);
  let iptablesChainPrefix: string | undefined;
  for (let i = 0; i < 1000 && iptablesChainPrefix === undefined; i++) {
    const p = `SK${Math.floor(random() * 0x10000)
      .toString(16)
      .toUpperCase()
      .padStart(4, '0')}`;
    if (!usedChains.has(p)) iptablesChainPrefix = p;
  }
  if (iptablesChainPrefix === undefined) throw new NoFreeAddresses('no free iptables chain prefix SK<hex> left');

  return {
    mode: 'auto',
    clusterCidr,
    nodeCidrMaskSize: DEFAULT_NODE_CIDR_MASK_SIZE,
    serviceClusterIpRange,
    serviceNodePortRange: DEFAULT_SERVICE_NODE_PORT_RANGE,
    clusterDomain: DEFAULT_CLUSTER_DOMAIN,
    clusterDns: clusterDnsIp(serviceClusterIpRange),
    nodeAddressPrefix,
    iptablesChainPrefix,
    proxyMode: opts.proxyMode ?? 'iptables',
  };
}

/** Why `plan` would collide with what is taken (empty when it would not). */
export function planConflicts(plan: Readonly<NetworkPlan>, taken: TakenAddresses): string[] {
  const problems: string[] = [];
  const check = (what: string, cidr: string): void => {
    const t = overlapping(cidr, taken.cidrs);
    if (t !== undefined) problems.push(`the ${what} ${cidr} overlaps ${t.cidr} (${t.owner})`);
  };
  check('pod network', plan.clusterCidr);
  check('Service range', plan.serviceClusterIpRange);
  if (cidrsOverlap(parseCidr(plan.clusterCidr), parseCidr(plan.serviceClusterIpRange))) {
    problems.push(`the pod network ${plan.clusterCidr} overlaps the Service range ${plan.serviceClusterIpRange}`);
  }
  if (taken.nodeAddressPrefixes.includes(plan.nodeAddressPrefix)) problems.push(`the node addresses ${plan.nodeAddressPrefix}.0/24 are used by another cluster`);
  if (taken.chainPrefixes.includes(plan.iptablesChainPrefix)) problems.push(`the iptables chain prefix ${plan.iptablesChainPrefix} is used by another cluster`);
  return problems;
}

/** Reads a plan recorded in a state or network file; undefined when it is not one. */
export function asNetworkPlan(v: unknown): NetworkPlan | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const p = v as Partial<NetworkPlan>;
  const strings = [p.clusterCidr, p.serviceClusterIpRange, p.serviceNodePortRange, p.clusterDomain, p.clusterDns, p.nodeAddressPrefix, p.iptablesChainPrefix];
  if (!strings.every((s) => typeof s === 'string')) return undefined;
  if (p.mode !== 'default' && p.mode !== 'auto') return undefined;
  if (p.proxyMode !== 'iptables' && p.proxyMode !== 'userspace') return undefined;
  if (!Number.isInteger(p.nodeCidrMaskSize)) return undefined;
  return p as NetworkPlan;
}
