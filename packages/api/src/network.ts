// The cluster's address plan and the IPv4 arithmetic every networking component shares
// (apiserver allocators, node IPAM, kubelet, kube-proxy, DNS). Defaults are Kubernetes' own:
// kubeadm's pod network 10.244.0.0/16 (flannel's), service range 10.96.0.0/12, node ports
// 30000-32767, the cluster DNS at the range's 10th address, domain cluster.local.

import ipaddr from 'ipaddr.js';

export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12';
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
/** sessionAffinity ClientIP's default timeout. */
export const DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800;
/** The Service through which pods reach the cluster DNS. */
export const CLUSTER_DNS_SERVICE = { namespace: 'kube-system', name: 'kube-dns' } as const;

export interface Cidr {
  /** Network address as a 32-bit unsigned integer. */
  readonly base: number;
  readonly prefix: number;
  /** Number of addresses in the block. */
  readonly size: number;
  /** Canonical text, e.g. "10.96.0.0/12". */
  readonly text: string;
}

export function ipToInt(ip: string): number {
  const bytes = ipaddr.IPv4.parse(ip).toByteArray();
  return (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0;
}

export function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIPv4(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** Parses "a.b.c.d/n" (IPv4 only); throws an Error naming the text when it is not one. */
export function parseCidr(text: string): Cidr {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  const address = text.split('/')[0] ?? '';
  if (!address.includes(':') && !isIPv4(address)) throw new Error(`${JSON.stringify(text)} is not a CIDR (want a.b.c.d/n)`);
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    throw new Error(`${JSON.stringify(text)} is not a CIDR (want a.b.c.d/n)`);
  }
  const [addr, prefix] = parsed;
  if (addr.kind() !== 'ipv4') throw new Error(`${JSON.stringify(text)}: only IPv4 is supported`);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const base = (ipToInt(addr.toString()) & mask) >>> 0;
  return { base, prefix, size: 2 ** (32 - prefix), text: `${intToIp(base)}/${prefix}` };
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  if (!isIPv4(ip)) return false;
  const n = ipToInt(ip);
  return n >= cidr.base && n < cidr.base + cidr.size;
}

/** The n-th address of the block (0 is the network address). */
export function addressAt(cidr: Cidr, n: number): string {
  if (n < 0 || n >= cidr.size) throw new Error(`address ${n} is outside ${cidr.text}`);
  return intToIp(cidr.base + n);
}

/** Whether two blocks share an address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/** The cluster DNS address Kubernetes conventionally uses: the service range's 10th address. */
export function clusterDnsIp(serviceRange: string): string {
  return addressAt(parseCidr(serviceRange), 10);
}

/** Parses "30000-32767" into its bounds; throws an Error naming the text when malformed. */
export function parsePortRange(text: string): { base: number; size: number } {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!m || lo < 1 || hi > 65535 || lo > hi) throw new Error(`${JSON.stringify(text)} is not a port range (want LOW-HIGH within 1-65535)`);
  return { base: lo, size: hi - lo + 1 };
}
