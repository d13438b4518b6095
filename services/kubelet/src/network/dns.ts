// A pod's resolver configuration, after Kubernetes' pkg/kubelet/network/dns/dns.go (GetPodDNS):
//
// - ClusterFirst (the default; ClusterFirstWithHostNet is the same, as Skiff has no host-network
//   pods): the cluster DNS as the only nameserver, search `<ns>.svc.<domain> svc.<domain> <domain>`
//   followed by the node's own search domains (from --resolv-conf), `options ndots:5`. Without a
//   cluster DNS address the pod falls back to Default, with a MissingClusterDNS event.
// - Default: Kubernetes gives the node's resolv.conf; Skiff keeps the one Docker writes for the
//   sandbox (Docker's embedded resolver, which forwards to the node's), unless the pod has a
//   dnsConfig, which is then merged into the node's resolv.conf.
// - None: only the pod's dnsConfig.
// - dnsConfig merges as appendDNSConfig: nameservers and searches appended without duplicates,
//   options by name (the pod's override).
// - Limits as formDNSConfigFitsLimits: at most 3 nameservers, 32 search domains of at most 253
//   characters, 2048 characters of search line; what is cut is named in a DNSConfigForming event.

import type { Pod } from '@skiff/api';

export interface DNSConfig {
  servers: string[];
  searches: string[];
  /** `name` or `name:value`. */
  options: string[];
}

export interface DNSEvent {
  reason: string;
  message: string;
}

export interface ClusterDNSSettings {
  /** --cluster-dns; empty: ClusterFirst falls back to Default. */
  clusterDNS: readonly string[];
  /** --cluster-domain; empty: no cluster search domains. */
  clusterDomain: string;
  /** The node's resolver configuration (parsed --resolv-conf); undefined when --resolv-conf is "". */
  host: DNSConfig | undefined;
}

export interface PodDNS {
  /** What to write as the pod's /etc/resolv.conf; undefined keeps the runtime's own. */
  config?: DNSConfig;
  events: DNSEvent[];
}

export const DEFAULT_DNS_OPTIONS = ['ndots:5'];
export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const MAX_DOMAIN_LENGTH = 253;

function omitDuplicates(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** nameservers accumulate; the last `search` and `options` lines win (resolv.conf(5)). */
export function parseResolvConf(text: string): DNSConfig {
  const config: DNSConfig = { servers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || line.startsWith(';')) continue;
    const [key, ...fields] = line.split(/\s+/);
    if (key === 'nameserver' && fields[0] !== undefined) config.servers.push(fields[0]);
    else if (key === 'search') config.searches = fields.map((s) => s.replace(/\.$/, ''));
    else if (key === 'options') config.options = fields;
  }
  return config;
}

export function formatResolvConf(c: DNSConfig): string {
  const lines = c.servers.map((s) => `nameserver ${s}`);
  if (c.searches.length > 0) lines.push(`search ${c.searches.join(' ')}`);
  if (c.options.length > 0) lines.push(`options ${c.options.join(' ')}`);
  return lines.map((l) => `${l}\n`).join('');
}

/** The pod's dnsConfig.options over the existing ones, by name (order kept, new ones appended). */
export function mergeDNSOptions(existing: readonly string[], overrides: readonly { name: string; value?: string }[]): string[] {
  const options = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i >= 0) options.set(op.slice(0, i), op.slice(i + 1));
    else options.set(op, '');
  }
  for (const op of overrides) options.set(op.name, op.value ?? '');
  return [...options].map(([name, value]) => (value === '' ? name : `${name}:${value}`));
}

function fitLimits(c: DNSConfig, events: DNSEvent[]): DNSConfig {
  let servers = c.servers;
  if (servers.length > MAX_DNS_NAMESERVERS) {
    servers = servers.slice(0, MAX_DNS_NAMESERVERS);
    events.push({ reason: 'DNSConfigForming', message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${servers.join(' ')}` });
  }
  let searches = c.searches;
  let exceeded = false;
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    searches = searches.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const fitting = searches.filter((s) => s.length <= MAX_DOMAIN_LENGTH);
  if (fitting.length !== searches.length) exceeded = true;
  searches = fitting;
  while (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    searches = searches.slice(0, -1);
    exceeded = true;
  }
  if (exceeded) {
    events.push({ reason: 'DNSConfigForming', message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}` });
  }
  return { servers, searches, options: c.options };
}

/** The node's config as Default's base: with no --resolv-conf, Kubernetes' "localhost, search ." */
function hostBase(s: ClusterDNSSettings): DNSConfig {
  if (!s.host) return { servers: ['127.0.0.1'], searches: ['.'], options: [] };
  return { servers: [...s.host.servers], searches: [...s.host.searches], options: [...s.host.options] };
}

/** The pod's resolv.conf (see the file comment). */
export function podDNS(pod: Readonly<Pod>, s: ClusterDNSSettings): PodDNS {
  const events: DNSEvent[] = [];
  const policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  const dnsConfig = pod.spec.dnsConfig;
  let config: DNSConfig | undefined;
  if (policy === 'None') {
    config = { servers: [], searches: [], options: [] };
  } else if ((policy === 'ClusterFirst' || policy === 'ClusterFirstWithHostNet') && s.clusterDNS.length > 0) {
    const hostSearch = s.host?.searches ?? [];
    const domain = s.clusterDomain;
    const ns = pod.metadata.namespace ?? 'default';
    config = {
      servers: [...s.clusterDNS],
      searches: domain === '' ? [...hostSearch] : omitDuplicates([`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...hostSearch]),
      options: [...DEFAULT_DNS_OPTIONS],
    };
  } else {
    if (policy !== 'Default') {
      events.push({
        reason: 'MissingClusterDNS',
        message: `pod: "${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
      });
    }
    // Default: the runtime's own resolv.conf, unless a dnsConfig must be merged into the node's.
    if (!dnsConfig) return { events };
    config = hostBase(s);
  }
  if (dnsConfig) {
    config = {
      servers: omitDuplicates([...config.servers, ...(dnsConfig.nameservers ?? [])]),
      searches: omitDuplicates([...config.searches, ...(dnsConfig.searches ?? [])]),
      options: mergeDNSOptions(config.options, dnsConfig.options ?? []),
    };
  }
  return { config: fitLimits(config, events), events };
}
