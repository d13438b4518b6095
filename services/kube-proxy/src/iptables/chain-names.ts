// The names of every chain kube-proxy owns, all starting with `--iptables-chain-prefix` (default
// SKIFF), so that several proxies (one per local cluster, or a test's own) never touch each
// other's chains. Per-service and per-endpoint chains are named by a hash as Kubernetes does
// (pkg/proxy/iptables/proxier.go `portProtoHash`, `servicePortEndpointChainName`: sha256, base32,
// truncated) to stay within iptables' 28-character limit on chain names.

import { createHash } from 'node:crypto';

export const MAX_CHAIN_NAME = 28;
/** Shortest hash kept in per-service chain names; bounds the prefix length. */
const MIN_HASH = 8;
const MAX_HASH = 16;

export const DEFAULT_CHAIN_PREFIX = 'SKIFF';

/** Fixed chains, by role (suffix after `<prefix>-`). */
const FIXED_SUFFIXES = {
  services: 'SERVICES',
  nodePorts: 'NODEPORTS',
  postrouting: 'POSTROUTING',
  markMasq: 'MARK-MASQ',
  external: 'EXTERNAL',
  forward: 'FORWARD',
  firewall: 'FIREWALL',
} as const;

export type FixedChain = keyof typeof FIXED_SUFFIXES;

const HASHED = ['SVC', 'SEP', 'EXT'] as const;

/** The longest prefix whose every chain name fits: prefix + "-SVC-" + an 8-character hash ≤ 28. */
export const MAX_PREFIX_LENGTH = MAX_CHAIN_NAME - 5 - MIN_HASH;

/** Returns a problem with the prefix, or undefined when it is usable. */
export function validateChainPrefix(prefix: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(prefix)) return `--iptables-chain-prefix "${prefix}" must start with a letter and contain only letters, digits, "-" and "_"`;
  if (prefix.length > MAX_PREFIX_LENGTH) return `--iptables-chain-prefix "${prefix}" is longer than ${MAX_PREFIX_LENGTH} characters (chain names are limited to ${MAX_CHAIN_NAME})`;
  if (prefix.endsWith('-')) return `--iptables-chain-prefix "${prefix}" must not end with "-"`;
  return undefined;
}

function base32(buf: Buffer): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** Kubernetes' hash: base32(sha256(text)) truncated. */
export function chainHash(text: string, length = MAX_HASH): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, length);
}

export class ChainNames {
  readonly hashLength: number;

  constructor(readonly prefix: string) {
    const problem = validateChainPrefix(prefix);
    if (problem) throw new Error(problem);
    this.hashLength = Math.min(MAX_HASH, MAX_CHAIN_NAME - prefix.length - 5);
  }

  fixed(role: FixedChain): string {
    return `${this.prefix}-${FIXED_SUFFIXES[role]}`;
  }

  /** The service port's dispatch chain (KUBE-SVC-…): `portName` is ServicePortName.String(), protocol lower-case. */
  service(portName: string, protocol: string): string {
    return `${this.prefix}-SVC-${chainHash(portName + protocol, this.hashLength)}`;
  }

  /** The service port's chain for external destinations (NodePorts, LoadBalancer and external IPs; KUBE-EXT-…). */
  external(portName: string, protocol: string): string {
    return `${this.prefix}-EXT-${chainHash(portName + protocol, this.hashLength)}`;
  }

  /** One endpoint of a service port (KUBE-SEP-…): `endpoint` is "ip:port". */
  endpoint(portName: string, protocol: string, endpoint: string): string {
    return `${this.prefix}-SEP-${chainHash(portName + protocol + endpoint, this.hashLength)}`;
  }

  /** Whether `chain` is one this proxy (with this prefix) creates: its fixed chains or a hashed one. */
  owns(chain: string): boolean {
    return this.isFixed(chain) || this.isHashed(chain);
  }

  isFixed(chain: string): boolean {
    return Object.values(FIXED_SUFFIXES).some((s) => chain === `${this.prefix}-${s}`);
  }

  /** A per-service or per-endpoint chain of this prefix (exact hash length, so a longer prefix's chains never match). */
  isHashed(chain: string): boolean {
    return HASHED.some((kind) => {
      const head = `${this.prefix}-${kind}-`;
      return chain.startsWith(head) && chain.length === head.length + this.hashLength && /^[A-Z2-7]+$/.test(chain.slice(head.length));
    });
  }
}
