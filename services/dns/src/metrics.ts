// CoreDNS's own metric names (plugin/metrics: coredns_dns_requests_total{server, zone, view,
// proto, family, type}, coredns_dns_responses_total{server, zone, view, rcode, plugin},
// coredns_dns_request_duration_seconds{server, zone, view, type}, request/response sizes), so a
// dashboard made for CoreDNS reads this server. Skiff has no views or plugins: those labels are left
// out. `zone` is the zone that answered (`cluster.local.`, `in-addr.arpa.`) or `.` when none did.

import { Counter, Histogram, type Registry } from 'prom-client';

/** The query types CoreDNS counts by name; every other type is `other`. */
const COUNTED_TYPES = new Set(['A', 'AAAA', 'MX', 'SOA', 'CNAME', 'PTR', 'TXT', 'NS', 'SRV', 'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'HTTPS', 'IXFR', 'AXFR', 'ANY']);
/** CoreDNS's plugin.TimeBuckets: prometheus.ExponentialBuckets(0.00025, 2, 16). */
const TIME_BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);
/** CoreDNS's size buckets. */
const SIZE_BUCKETS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16e3, 32e3, 48e3, 64e3];

export type Proto = 'udp' | 'tcp';

export interface Observation {
  proto: Proto;
  /** Address family of the client: 1 = IPv4, 2 = IPv6 (CoreDNS's `family`). */
  family: 1 | 2;
  /** The question's type (`A`, `SRV`, ...), or undefined when the query had none. */
  qtype: string | undefined;
  zone: string;
  rcode: string;
  requestBytes: number;
  responseBytes: number;
  seconds: number;
}

export class DnsMetrics {
  private readonly requests: Counter<'server' | 'zone' | 'proto' | 'family' | 'type'>;
  private readonly responses: Counter<'server' | 'zone' | 'rcode'>;
  private readonly duration: Histogram<'server' | 'zone' | 'type'>;
  private readonly requestSize: Histogram<'server' | 'zone' | 'proto'>;
  private readonly responseSize: Histogram<'server' | 'zone' | 'proto'>;

  /** `server` is CoreDNS's label: `dns://<bind>:<port>`. */
  constructor(
    registry: Registry,
    private readonly server: string,
  ) {
    const registers = [registry];
    this.requests = new Counter({ name: 'coredns_dns_requests_total', help: 'Counter of DNS requests made per zone, protocol and family.', labelNames: ['server', 'zone', 'proto', 'family', 'type'], registers });
    this.responses = new Counter({ name: 'coredns_dns_responses_total', help: 'Counter of response status codes.', labelNames: ['server', 'zone', 'rcode'], registers });
    this.duration = new Histogram({ name: 'coredns_dns_request_duration_seconds', help: 'Histogram of the time (in seconds) each request took per zone.', labelNames: ['server', 'zone', 'type'], buckets: TIME_BUCKETS, registers });
    this.requestSize = new Histogram({ name: 'coredns_dns_request_size_bytes', help: 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.', labelNames: ['server', 'zone', 'proto'], buckets: SIZE_BUCKETS, registers });
    this.responseSize = new Histogram({ name: 'coredns_dns_response_size_bytes', help: 'Size of the returned response in bytes.', labelNames: ['server', 'zone', 'proto'], buckets: SIZE_BUCKETS, registers });
  }

  observe(o: Observation): void {
    const type = o.qtype && COUNTED_TYPES.has(o.qtype) ? o.qtype : 'other';
    const server = this.server;
    this.requests.inc({ server, zone: o.zone, proto: o.proto, family: String(o.family), type });
    this.responses.inc({ server, zone: o.zone, rcode: o.rcode });
    this.duration.observe({ server, zone: o.zone, type }, o.seconds);
    this.requestSize.observe({ server, zone: o.zone, proto: o.proto }, o.requestBytes);
    this.responseSize.observe({ server, zone: o.zone, proto: o.proto }, o.responseBytes);
  }
}
