// kube-proxy's configuration and its flags (Kubernetes' names and defaults where they exist:
// --proxy-mode, --cluster-cidr, --masquerade-all, --iptables-masquerade-bit, --min-sync-period 1s,
// --sync-period 30s, --udp-timeout 250ms, --hostname-override, --cleanup; Skiff's --node-addresses
// takes addresses rather than CIDRs). Pure, so it is tested without a process; main.ts reports a
// thrown FlagError and exits 2.

import os from 'node:os';
import { isIPv4, parseCidr } from '@skiff/api';
import { parseDurationMs } from '@skiff/component';
import { DEFAULT_CHAIN_PREFIX, validateChainPrefix } from './iptables/chain-names.js';
import type { ProxyMode } from './proxier.js';

export interface KubeProxyConfig {
  /** host:port of the apiserver's gRPC endpoint. */
  apiserver: string;
  proxyMode: ProxyMode;
  /** Where NodePorts answer; undefined: the InternalIPs of the Nodes local to this host. */
  nodeAddresses?: string[] | undefined;
  /** Traffic to ClusterIPs from outside it is masqueraded. */
  clusterCidr?: string | undefined;
  masqueradeAll: boolean;
  masqueradeBit: number;
  chainPrefix: string;
  bindAddress: string;
  /** Observability port (0 picks a free one: see deps.onListening). */
  httpPort: number;
  /** This host's node name (default: the hostname). */
  hostname: string;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  udpIdleTimeoutMs: number;
}

export const DEFAULT_HTTP_PORT = 10249;

export function defaultConfig(): KubeProxyConfig {
  return {
    apiserver: '127.0.0.1:6444',
    proxyMode: 'iptables',
    masqueradeAll: false,
    masqueradeBit: 14,
    chainPrefix: DEFAULT_CHAIN_PREFIX,
    bindAddress: '127.0.0.1',
    httpPort: DEFAULT_HTTP_PORT,
    hostname: os.hostname().toLowerCase(),
    minSyncPeriodMs: 1000,
    syncPeriodMs: 30_000,
    udpIdleTimeoutMs: 250,
  };
}

export class FlagError extends Error {}

export const FLAG_SPEC = {
  apiserver: { type: 'string' },
  'proxy-mode': { type: 'string' },
  'node-addresses': { type: 'string' },
  'cluster-cidr': { type: 'string' },
  'masquerade-all': { type: 'string' },
  'iptables-masquerade-bit': { type: 'string' },
  'iptables-chain-prefix': { type: 'string' },
  'bind-address': { type: 'string' },
  'http-port': { type: 'string' },
  'hostname-override': { type: 'string' },
  'min-sync-period': { type: 'string' },
  'sync-period': { type: 'string' },
  'udp-timeout': { type: 'string' },
  cleanup: { type: 'string' },
} as const;

export const BOOL_FLAGS = ['masquerade-all', 'cleanup'];

/** `--cleanup` alone means true, as a Go bool flag. */
export function normalizeBoolFlags(argv: readonly string[]): string[] {
  return argv.map((a) => (BOOL_FLAGS.some((n) => a === `--${n}`) ? `${a}=true` : a));
}

type Flags = Record<string, string | boolean | undefined>;

function bool(name: string, value: string | boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw new FlagError(`--${name} must be true or false, got "${String(value)}"`);
}

function int(name: string, value: string | boolean | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new FlagError(`--${name} must be an integer from ${min} to ${max}, got "${String(value)}"`);
  return n;
}

function duration(name: string, value: string | boolean | undefined, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' ? parseDurationMs(value) : undefined;
  if (ms === undefined || ms < 0 || (!allowZero && ms === 0)) throw new FlagError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} duration such as 1s or 250ms, got "${String(value)}"`);
  return ms;
}

/** Validates a config built in code (tests, the local cluster) as the flags are validated. */
export function validateConfig(c: KubeProxyConfig): void {
  if (c.proxyMode !== 'iptables' && c.proxyMode !== 'userspace') throw new FlagError(`--proxy-mode must be iptables or userspace, got "${String(c.proxyMode)}"`);
  const prefix = validateChainPrefix(c.chainPrefix);
  if (prefix) throw new FlagError(prefix);
  for (const a of c.nodeAddresses ?? []) if (!isIPv4(a)) throw new FlagError(`--node-addresses: "${a}" is not an IPv4 address`);
  if (c.clusterCidr !== undefined) {
    try {
      parseCidr(c.clusterCidr);
    } catch (e) {
      throw new FlagError(`--cluster-cidr: ${(e as Error).message}`);
    }
  }
  if (c.syncPeriodMs < c.minSyncPeriodMs) throw new FlagError('--sync-period must not be shorter than --min-sync-period');
}

export interface ParsedFlags {
  config: KubeProxyConfig;
  cleanup: boolean;
}

export function configFromFlags(flags: Flags): ParsedFlags {
  const d = defaultConfig();
  const str = (name: string): string | undefined => {
    const v = flags[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new FlagError(`--${name} needs a value`);
    return v;
  };
  const addresses = str('node-addresses');
  const config: KubeProxyConfig = {
    apiserver: str('apiserver') ?? d.apiserver,
    proxyMode: (str('proxy-mode') ?? d.proxyMode) as ProxyMode,
    nodeAddresses:
      addresses === undefined
        ? undefined
        : addresses
            .split(',')
            .map((a) => a.trim())
            .filter((a) => a !== ''),
    clusterCidr: str('cluster-cidr') || undefined,
    masqueradeAll: bool('masquerade-all', flags['masquerade-all'], d.masqueradeAll),
    masqueradeBit: int('iptables-masquerade-bit', flags['iptables-masquerade-bit'], d.masqueradeBit, 0, 31),
    chainPrefix: str('iptables-chain-prefix') ?? d.chainPrefix,
    bindAddress: str('bind-address') ?? d.bindAddress,
    httpPort: int('http-port', flags['http-port'], d.httpPort, 0, 65535),
    hostname: (str('hostname-override') || d.hostname).toLowerCase(),
    minSyncPeriodMs: duration('min-sync-period', flags['min-sync-period'], d.minSyncPeriodMs, true),
    syncPeriodMs: duration('sync-period', flags['sync-period'], d.syncPeriodMs, false),
    udpIdleTimeoutMs: duration('udp-timeout', flags['udp-timeout'], d.udpIdleTimeoutMs, false),
  };
  validateConfig(config);
  return { config, cleanup: bool('cleanup', flags['cleanup'], false) };
}
