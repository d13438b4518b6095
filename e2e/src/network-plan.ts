// Where a cluster's networking lives, as the suites need it: its cluster CIDR, service range and
// DNS address, the node addresses NodePorts answer on, the ingress controller's and the DNS server's
// listening addresses, and kube-proxy's chain prefix. Read from what `skiff up` recorded
// (state.json's address plan when it has one, else the flags it gave each component), falling back
// to the components' documented defaults (@skiff/api network.ts), so a suite checks the cluster it
// actually runs rather than the defaults.

import net from 'node:net';
import os from 'node:os';
import {
  clusterDnsIp,
  DEFAULT_CLUSTER_CIDR,
  DEFAULT_CLUSTER_DOMAIN,
  DEFAULT_SERVICE_CLUSTER_IP_RANGE,
  DEFAULT_SERVICE_NODE_PORT_RANGE,
  type Node,
} from '@skiff/api';
import { componentFlag, type ClusterStateFile, type ComponentKind, type StateComponent } from './cluster-state.js';
import { isLoopback } from './http-get.js';

export interface Listener {
  host: string;
  port: number;
}

export interface NetworkPlan {
  clusterCidr: string;
  serviceRange: string;
  nodePortRange: string;
  clusterDomain: string;
  /** The cluster DNS ClusterIP pods get as their nameserver. */
  dnsIp: string;
  /** kube-proxy's --iptables-chain-prefix (default SKIFF). */
  chainPrefix: string;
  proxyMode: string;
  /** kube-proxy's --node-addresses, when it was given them. */
  proxyNodeAddresses: string[] | undefined;
  /** Where the test process reaches the DNS server directly (loopback when it binds 0.0.0.0). */
  dns: Listener | undefined;
  /** Where the ingress controller listens for traffic, as the test process reaches it. */
  ingress: Listener | undefined;
  /** Its --publish-address, when given. */
  ingressPublishAddress: string | undefined;
  /** Where it came from, for failure messages. */
  source: string;
}

/** The first recorded component of a kind (not every cluster runs every kind). */
export function componentOf(state: ClusterStateFile, ...kinds: string[]): StateComponent | undefined {
  return state.components.find((c) => kinds.includes(c.kind) || kinds.includes(c.name));
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A loose read of state.json's `network` (any of a few spellings): the CLI owns its exact shape. */
function planField(state: ClusterStateFile, ...names: string[]): string | undefined {
  const n = state.network;
  if (!n) return undefined;
  for (const k of names) {
    const v = str(n[k]);
    if (v) return v;
  }
  return undefined;
}

/** An address the test process may send to for a listener bound to `bind` (0.0.0.0 → loopback). */
export function reachableHost(bind: string | undefined): string {
  if (!bind || bind === '0.0.0.0' || bind === '::') return '127.0.0.1';
  return bind;
}

/** True for an address of one of this host's own interfaces (traffic to it never leaves the host). */
export function isLocalAddress(ip: string): boolean {
  if (isLoopback(ip)) return true;
  return Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((a) => a.address === ip));
}

export function networkPlan(state: ClusterStateFile): NetworkPlan {
  const kind = (k: ComponentKind | string): StateComponent | undefined => componentOf(state, k);
  const flag = (c: StateComponent | undefined, f: string): string | undefined => (c ? componentFlag(c, f) : undefined);
  const apiserver = kind('apiserver');
  const cm = kind('controller-manager');
  const proxy = kind('kube-proxy');
  const dns = componentOf(state, 'dns', 'cluster-dns', 'skiff-dns');
  const ingress = componentOf(state, 'ingress-controller', 'ingress');
  const kubelet = kind('kubelet');

  const serviceRange =
    planField(state, 'serviceClusterIpRange', 'serviceClusterIPRange', 'serviceCidr', 'serviceCIDR', 'serviceRange') ??
    flag(apiserver, '--service-cluster-ip-range') ??
    DEFAULT_SERVICE_CLUSTER_IP_RANGE;
  const dnsPort = flag(dns, '--port');
  const ingressPort = flag(ingress, '--port');
  const ingressBind = flag(ingress, '--bind-addresses')?.split(',')[0];
  const publish = flag(ingress, '--publish-address');
  const nodeAddresses = flag(proxy, '--node-addresses');
  return {
    clusterCidr: planField(state, 'clusterCidr', 'clusterCIDR', 'podCidr') ?? flag(cm, '--cluster-cidr') ?? flag(proxy, '--cluster-cidr') ?? DEFAULT_CLUSTER_CIDR,
    serviceRange,
    nodePortRange: planField(state, 'serviceNodePortRange', 'nodePortRange') ?? flag(apiserver, '--service-node-port-range') ?? DEFAULT_SERVICE_NODE_PORT_RANGE,
    clusterDomain: planField(state, 'clusterDomain') ?? flag(kubelet, '--cluster-domain') ?? DEFAULT_CLUSTER_DOMAIN,
    dnsIp: planField(state, 'clusterDns', 'clusterDNS', 'dnsIp', 'dnsIP') ?? flag(kubelet, '--cluster-dns') ?? clusterDnsIp(serviceRange),
    chainPrefix: planField(state, 'chainPrefix', 'iptablesChainPrefix') ?? flag(proxy, '--iptables-chain-prefix') ?? 'SKIFF',
    proxyMode: planField(state, 'proxyMode') ?? flag(proxy, '--proxy-mode') ?? 'iptables',
    proxyNodeAddresses: nodeAddresses ? nodeAddresses.split(',').filter((a) => a !== '') : undefined,
    dns: dns ? { host: reachableHost(flag(dns, '--bind-address')), port: dnsPort ? Number(dnsPort) : 53 } : undefined,
    ingress: ingress ? { host: reachableHost(publish && isLocalAddress(publish) ? publish : ingressBind), port: ingressPort ? Number(ingressPort) : 80 } : undefined,
    ingressPublishAddress: publish,
    source: `${state.dir}/state.json (${state.network ? 'network plan + ' : ''}component flags, else defaults)`,
  };
}

/** A node's InternalIP, as the Node object reports it. */
export function internalIp(n: Readonly<Node>): string | undefined {
  return n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
}

export function isIPv4(s: string): boolean {
  return net.isIPv4(s);
}
