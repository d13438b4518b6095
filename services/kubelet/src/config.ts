// The kubelet's configuration: what main.ts builds from flags, and what tests pass to run().

import { clusterDnsIp, DEFAULT_CLUSTER_CIDR, DEFAULT_CLUSTER_DOMAIN, DEFAULT_SERVICE_CLUSTER_IP_RANGE, isIPv4, parseCidr, type Taint } from '@skiff/api';
import { parseDurationMs as parseGoDurationMs } from '@skiff/component';

export interface KubeletConfig {
  /** This node's name (required): the Node object, the Lease, the Docker label and network. */
  nodeName: string;
  /** The apiserver's gRPC endpoint, host:port. */
  apiserver: string;
  /** The node's address (its InternalIP); the kubelet binds its ports there. */
  address: string;
  /** gRPC port of the Kubelet service (logs); 0 picks a free one. */
  port: number;
  /** Port of /metrics, /healthz and /readyz; 0 picks a free one. */
  httpPort: number;
  /** Capacity overrides (quantities): default the host's cores and memory. */
  cpu?: string;
  memory?: string;
  podInfraImage: string;
  /** The node's pod CIDR for a standalone kubelet; by default the kubelet uses its Node's
   *  spec.podCIDR (the controller-manager's node IPAM allocates it) and pods wait until it has one. */
  podCIDR?: string;
  /** The cluster's pod network (--cluster-cidr): pod traffic leaving it is masqueraded, inside it not. */
  clusterCIDR: string;
  /** Nameservers of ClusterFirst pods (--cluster-dns, comma separated; empty: pods fall back to Default). */
  clusterDNS: string[];
  /** The cluster's DNS domain (--cluster-domain). */
  clusterDomain: string;
  /** The node's resolver file whose search domains ClusterFirst pods also get ("" for none). */
  resolvConf: string;
  nodeLabels: Record<string, string>;
  registerWithTaints: Taint[];
  /** Lease renewal and node status check period. */
  nodeStatusUpdateFrequencyMs: number;
  dockerSocket: string;
  /** host:port of a registry to pull missing images from; without it nothing is ever pulled. */
  registry?: string;
  /** How often the runtime is relisted to notice exits and orphans (default 2 s). */
  housekeepingIntervalMs: number;
  /** How often every pod is synced even when nothing happened (default 10 s). */
  resyncIntervalMs: number;
  /** Pods synced at the same time (each pod is only ever synced by one worker at a time). */
  podWorkers: number;
  /** Where pods' volumes live (`<rootDir>/pods/<uid>/volumes`); default `/var/lib/skiff/kubelet/<node-name>`. */
  rootDir?: string;
}

/** The default `--root-dir` of a node. */
export function defaultRootDir(nodeName: string): string {
  return `/var/lib/skiff/kubelet/${nodeName}`;
}

export const DEFAULT_CONFIG: Omit<KubeletConfig, 'nodeName'> = {
  apiserver: '127.0.0.1:6444',
  address: '127.0.0.1',
  port: 10250,
  httpPort: 10248,
  podInfraImage: 'skiff/busybox:latest',
  clusterCIDR: DEFAULT_CLUSTER_CIDR,
  clusterDNS: [clusterDnsIp(DEFAULT_SERVICE_CLUSTER_IP_RANGE)],
  clusterDomain: DEFAULT_CLUSTER_DOMAIN,
  resolvConf: '/etc/resolv.conf',
  nodeLabels: {},
  registerWithTaints: [],
  nodeStatusUpdateFrequencyMs: 10_000,
  dockerSocket: '/var/run/docker.sock',
  housekeepingIntervalMs: 2_000,
  resyncIntervalMs: 10_000,
  podWorkers: 32,
};

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Problems with a configuration, as messages naming the flag. */
export function validateConfig(c: KubeletConfig): string[] {
  const problems: string[] = [];
  if (!c.nodeName) problems.push('--node-name is required');
  else if (c.nodeName.length > 63 || !DNS1123_SUBDOMAIN.test(c.nodeName)) {
    problems.push(`--node-name "${c.nodeName}" must be a lowercase DNS name of at most 63 characters (a-z, 0-9, "-", ".")`);
  }
  const cidrProblem = (flag: string, value: string): void => {
    try {
      parseCidr(value);
    } catch (e) {
      problems.push(`--${flag}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  if (c.podCIDR !== undefined) cidrProblem('pod-cidr', c.podCIDR);
  cidrProblem('cluster-cidr', c.clusterCIDR);
  for (const ip of c.clusterDNS) if (!isIPv4(ip)) problems.push(`--cluster-dns "${ip}" is not an IPv4 address`);
  if (c.clusterDomain !== '' && (c.clusterDomain.length > 253 || !DNS1123_SUBDOMAIN.test(c.clusterDomain))) problems.push(`--cluster-domain "${c.clusterDomain}" is not a DNS domain`);
  if (c.nodeStatusUpdateFrequencyMs <= 0) problems.push('--node-status-update-frequency must be positive');
  if (c.rootDir !== undefined && !c.rootDir.startsWith('/')) problems.push(`--root-dir "${c.rootDir}" must be an absolute path`);
  return problems;
}

/** Go-style durations ("10s", "500ms", "1m30s") or plain seconds ("10"). */
export function parseDurationMs(text: string): number | undefined {
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : parseGoDurationMs(text);
}
