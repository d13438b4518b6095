// Pure rule generation for iptables mode: a snapshot of service ports and their ready endpoints in,
// the complete contents of every chain the proxy owns out. The layout is Kubernetes'
// (pkg/proxy/iptables/proxier.go `syncProxyRules`, `writeServiceToEndpointRules`):
//
//   nat   PREROUTING, OUTPUT ─► <P>-SERVICES ─ ClusterIP:port ──────────────► <P>-SVC-<hash>
//                                  │          ─ external/LB IP:port ─► <P>-EXT-<hash> ─► MARK-MASQ, SVC
//                                  └ (last) -d <node address> ─► <P>-NODEPORTS ─ nodePort ─► <P>-EXT-<hash>
//         <P>-SVC-<hash>: masquerade off-cluster sources, ClientIP affinity (-m recent --rcheck),
//                         then 1/n, 1/(n-1), … random choice ─► <P>-SEP-<hash> ─ DNAT ip:port
//         POSTROUTING ─► <P>-POSTROUTING: MASQUERADE packets marked by <P>-MARK-MASQ
//   filter OUTPUT, FORWARD ─► <P>-SERVICES: REJECT ClusterIP:port with no ready endpoint
//          INPUT, FORWARD ─► <P>-EXTERNAL: REJECT NodePorts / external IPs with none
//          FORWARD ─► <P>-FORWARD: accept marked and established traffic
//          INPUT ─► <P>-FIREWALL: drop non-loopback traffic to 127/8 that was not DNATed
//                   (route_localnet's hole, kubernetes/kubernetes#90259)

import { cidrContains, parseCidr } from '@skiff/api';
import type { EndpointInfo } from '../endpoints.js';
import { endpointString } from '../endpoints.js';
import type { ServicePortInfo } from '../service-port.js';
import type { ChainNames } from './chain-names.js';
import { chainLine, joinWords } from './save-format.js';

/** Above this many endpoints, per-endpoint comments are left out (Kubernetes' large cluster mode). */
export const LARGE_CLUSTER_ENDPOINTS = 1000;
const LOOPBACK = parseCidr('127.0.0.0/8');

export interface RulesInput {
  names: ChainNames;
  /** Service ports by servicePortKey. */
  services: ReadonlyMap<string, ServicePortInfo>;
  /** Ready endpoints by servicePortKey. */
  endpoints: ReadonlyMap<string, readonly EndpointInfo[]>;
  /** Where NodePorts answer. */
  nodeAddresses: readonly string[];
  /** Traffic to a ClusterIP from outside this CIDR is masqueraded. */
  clusterCidr?: string | undefined;
  /** Masquerade all traffic to ClusterIPs. */
  masqueradeAll: boolean;
  /** The fwmark bit value, e.g. "0x4000". */
  masqueradeMark: string;
  /** NodePorts on 127.0.0.0/8 node addresses are served (needs route_localnet=1). */
  localhostNodePorts: boolean;
  /** MASQUERADE --random-fully is available. */
  randomFully: boolean;
  /**
   * A partial sync: only these Services' own chains (SVC, EXT, SEP) are written; the others are
   * left as they are in the kernel (Kubernetes' partial syncs). Undefined: write everything.
   */
  onlyServices?: ReadonlySet<string> | undefined;
}

export interface ProxyRules {
  filterChains: string[];
  filterRules: string[];
  natChains: string[];
  natRules: string[];
  /** Every chain of the proxy that must exist after the sync, per table (written or not). */
  active: { nat: Set<string>; filter: Set<string> };
  /** nat rules of the Services a partial sync left untouched. */
  skippedNatRules: number;
  servicePorts: number;
  endpoints: number;
}

/** Kubernetes' probability text for 1/n (`%0.10f`). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

class Lines {
  readonly lines: string[] = [];
  write(...words: string[]): void {
    this.lines.push(joinWords(words));
  }
}

export function buildProxyRules(input: RulesInput): ProxyRules {
  const { names } = input;
  const fixed = {
    services: names.fixed('services'),
    nodePorts: names.fixed('nodePorts'),
    postrouting: names.fixed('postrouting'),
    markMasq: names.fixed('markMasq'),
    external: names.fixed('external'),
    forward: names.fixed('forward'),
    firewall: names.fixed('firewall'),
  };
  const mark = input.masqueradeMark;
  const filterChains = new Lines();
  const filterRules = new Lines();
  const natChains = new Lines();
  const natRules = new Lines();
  // Per-service chains of Services a partial sync leaves alone: counted, not written.
  const skippedChains = new Lines();
  const skippedRules = new Lines();
  const active = { nat: new Set<string>(), filter: new Set<string>() };
  const declare = (lines: Lines, set: Set<string>, chain: string): void => {
    lines.lines.push(chainLine(chain));
    set.add(chain);
  };

  for (const c of [fixed.services, fixed.external, fixed.forward, fixed.firewall]) declare(filterChains, active.filter, c);
  for (const c of [fixed.services, fixed.nodePorts, fixed.postrouting, fixed.markMasq]) declare(natChains, active.nat, c);

  // Masquerade what was marked, once: clear the mark so a re-traversal does not masquerade again.
  natRules.write('-A', fixed.postrouting, '-m', 'mark', '!', '--mark', `${mark}/${mark}`, '-j', 'RETURN');
  natRules.write('-A', fixed.postrouting, '-j', 'MARK', '--xor-mark', mark);
  natRules.write('-A', fixed.postrouting, '-m', 'comment', '--comment', 'service traffic requiring SNAT', '-j', 'MASQUERADE', ...(input.randomFully ? ['--random-fully'] : []));
  natRules.write('-A', fixed.markMasq, '-j', 'MARK', '--or-mark', mark);

  filterRules.write(
    '-A', fixed.firewall,
    '-m', 'comment', '--comment', 'block incoming localnet connections',
    '-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8',
    '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT',
    '-j', 'DROP',
  );

  let totalEndpoints = 0;
  for (const [key] of input.services) totalEndpoints += input.endpoints.get(key)?.length ?? 0;
  const largeCluster = totalEndpoints > LARGE_CLUSTER_ENDPOINTS;
  const comment = (text: string): string[] => (largeCluster ? [] : ['-m', 'comment', '--comment', text]);

  const nodeAddresses = input.nodeAddresses.filter((a) => input.localhostNodePorts || !cidrContains(LOOPBACK, a));
  const keys = [...input.services.keys()].sort();
  for (const key of keys) {
    const svc = input.services.get(key) as ServicePortInfo;
    const proto = svc.protocol.toLowerCase();
    const name = svc.nameString;
    const eps = input.endpoints.get(key) ?? [];
    const hasEndpoints = eps.length > 0;
    const svcChain = names.service(name, proto);
    const extChain = names.external(name, proto);
    const port = String(svc.port);
    const match = ['-m', proto, '-p', proto];
    const noEndpoints = ['-m', 'comment', '--comment', `${name} has no endpoints`];

    // The ClusterIP.
    if (hasEndpoints) {
      natRules.write('-A', fixed.services, '-m', 'comment', '--comment', `${name} cluster IP`, ...match, '-d', svc.clusterIP, '--dport', port, '-j', svcChain);
    } else {
      filterRules.write('-A', fixed.services, ...noEndpoints, ...match, '-d', svc.clusterIP, '--dport', port, '-j', 'REJECT');
    }
    // External IPs and load-balancer ingress IPs: the service port on those addresses.
    const extDestinations: [string, string][] = [
      ...svc.externalIPs.map((ip): [string, string] => [ip, 'external IP']),
      ...svc.loadBalancerIPs.map((ip): [string, string] => [ip, 'loadbalancer IP']),
    ];
    for (const [ip, what] of extDestinations) {
      if (hasEndpoints) natRules.write('-A', fixed.services, '-m', 'comment', '--comment', `${name} ${what}`, ...match, '-d', ip, '--dport', port, '-j', extChain);
      else filterRules.write('-A', fixed.external, ...noEndpoints, ...match, '-d', ip, '--dport', port, '-j', 'REJECT');
    }
    // The NodePort, on every node address.
    if (svc.nodePort !== 0) {
      if (hasEndpoints) natRules.write('-A', fixed.nodePorts, '-m', 'comment', '--comment', name, ...match, '--dport', String(svc.nodePort), '-j', extChain);
      else for (const addr of nodeAddresses) filterRules.write('-A', fixed.external, ...noEndpoints, '-d', addr, ...match, '--dport', String(svc.nodePort), '-j', 'REJECT');
    }
    if (!hasEndpoints) continue;

    const write = input.onlyServices === undefined || input.onlyServices.has(svc.service);
    const svcChains = write ? natChains : skippedChains;
    const svcRules = write ? natRules : skippedRules;

    // The service chain: masquerade what comes from outside the cluster, then pick an endpoint.
    declare(svcChains, active.nat, svcChain);
    const clusterIpMatch = ['-m', 'comment', '--comment', `${name} cluster IP`, ...match, '-d', svc.clusterIP, '--dport', port];
    if (input.masqueradeAll) svcRules.write('-A', svcChain, ...clusterIpMatch, '-j', fixed.markMasq);
    else if (input.clusterCidr) svcRules.write('-A', svcChain, ...clusterIpMatch, '!', '-s', input.clusterCidr, '-j', fixed.markMasq);
    // Without a cluster CIDR, at least host processes bound to a loopback address can reach the service.
    else svcRules.write('-A', svcChain, ...clusterIpMatch, '-s', '127.0.0.0/8', '-j', fixed.markMasq);

    if (svc.nodePort !== 0 || extDestinations.length > 0) {
      declare(svcChains, active.nat, extChain);
      svcRules.write('-A', extChain, '-m', 'comment', '--comment', `masquerade traffic for ${name} external destinations`, '-j', fixed.markMasq);
      svcRules.write('-A', extChain, '-j', svcChain);
    }

    const epChains = eps.map((ep) => names.endpoint(name, proto, endpointString(ep)));
    if (svc.stickyMaxAgeSeconds !== undefined) {
      eps.forEach((ep, i) => {
        const sep = epChains[i] as string;
        svcRules.write('-A', svcChain, ...comment(`${name} -> ${endpointString(ep)}`), '-m', 'recent', '--name', sep, '--rcheck', '--seconds', String(svc.stickyMaxAgeSeconds), '--reap', '-j', sep);
      });
    }
    eps.forEach((ep, i) => {
      const sep = epChains[i] as string;
      const random = i < eps.length - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(eps.length - i)] : [];
      svcRules.write('-A', svcChain, ...comment(`${name} -> ${endpointString(ep)}`), ...random, '-j', sep);
    });

    eps.forEach((ep, i) => {
      const sep = epChains[i] as string;
      declare(svcChains, active.nat, sep);
      // Hairpin: a pod reaching itself through its Service is masqueraded, so replies come back through the host.
      svcRules.write('-A', sep, ...comment(name), '-s', ep.ip, '-j', fixed.markMasq);
      const affinity = svc.stickyMaxAgeSeconds !== undefined ? ['-m', 'recent', '--name', sep, '--set'] : [];
      svcRules.write('-A', sep, ...comment(name), ...affinity, ...match, '-j', 'DNAT', '--to-destination', endpointString(ep));
    });
  }

  // NodePorts: only on the node addresses, and last, so ClusterIPs on those addresses win.
  for (const addr of nodeAddresses) {
    natRules.write('-A', fixed.services, '-m', 'comment', '--comment', 'service nodeports; NOTE: this must be the last rule in this chain', '-d', addr, '-j', fixed.nodePorts);
  }

  filterRules.write('-A', fixed.forward, '-m', 'comment', '--comment', 'forwarding rules', '-m', 'mark', '--mark', `${mark}/${mark}`, '-j', 'ACCEPT');
  filterRules.write('-A', fixed.forward, '-m', 'comment', '--comment', 'forwarding conntrack rule', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT');

  return {
    filterChains: filterChains.lines,
    filterRules: filterRules.lines,
    natChains: natChains.lines,
    natRules: natRules.lines,
    active,
    skippedNatRules: skippedRules.lines.length,
    servicePorts: input.services.size,
    endpoints: totalEndpoints,
  };
}
