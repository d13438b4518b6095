// What the DNS server knows about the cluster when it answers a query: a read-only view of
// Services and their ready endpoints, plus the zone's settings. `answer()` sees only this, so it
// can be tested with a hand-built view; `RecordStore` builds the real one from the informers.

import type { Protocol } from '@skiff/api';

export interface PortRecord {
  /** The port's name ('' when unnamed: such ports get no SRV record). Lower case. */
  name: string;
  protocol: Protocol;
  port: number;
}

export interface ServiceRecord {
  /** Lower case, as every name comparison is case-insensitive (dns-spec 2.1). */
  namespace: string;
  name: string;
  /** Headless = `clusterIP: None`; ExternalName answers a CNAME. */
  kind: 'ClusterIP' | 'Headless' | 'ExternalName';
  /** IPv4 cluster IPs (empty unless kind is ClusterIP). */
  clusterIPs: string[];
  /** Lower case, no trailing dot (kind ExternalName only). */
  externalName?: string;
  ports: PortRecord[];
}

export interface EndpointRecord {
  ip: string;
  /**
   * The endpoint's `hostname`, or the IP with dashes when it has none (CoreDNS's
   * endpointHostname: the spec's "unique, system-assigned identifier"). Lower case.
   */
  hostname: string;
  /** The ports of the EndpointSlice the endpoint came from (what it actually listens on). */
  ports: PortRecord[];
}

export interface DnsView {
  /** The cluster domain, lower case, no trailing dot: `cluster.local`. */
  readonly domain: string;
  /** TTL of every record (the SOA's minimum too). */
  readonly ttl: number;
  /** The cluster DNS address, answered for `ns.dns.<domain>` and the zone's NS record. */
  readonly nameserverIP: string;
  /** The Service `<namespace>/<name>` (both lower case), if it exists. */
  service(namespace: string, name: string): ServiceRecord | undefined;
  /** The Service's ready endpoints (EndpointSlice `conditions.ready` not false), one per IP. */
  endpoints(namespace: string, name: string): EndpointRecord[];
  /** Whether any Service exists in the namespace (so `<ns>.svc.<domain>` is not NXDOMAIN). */
  namespaceHasServices(namespace: string): boolean;
  /** Names (lower case, no trailing dot) an IP reverses to: Services' ClusterIPs, then endpoints. */
  reverse(ip: string): string[];
  /** The SOA serial: seconds since the epoch of the last change (as CoreDNS's kubernetes plugin). */
  serial(): number;
}
