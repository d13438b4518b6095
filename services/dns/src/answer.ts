// answer(query, view): the whole of the DNS server's decision, pure (no sockets, no clock).
//
// Records follow the Kubernetes DNS-Based Service Discovery specification, schema 1.1.0
// (kubernetes/dns docs/specification.md), with CoreDNS's kubernetes plugin (plugin/kubernetes,
// plugin/backend_lookup.go) where the spec leaves a choice:
//   <svc>.<ns>.svc.<zone>               A: the ClusterIP; headless: each ready endpoint IP (NXDOMAIN
//                                       when none); ExternalName: CNAME to externalName
//   <host>.<svc>.<ns>.svc.<zone>        A: the ready endpoint(s) whose hostname (or dashed IP) is <host>
//   _<port>._<proto>.<svc>.<ns>.svc.<zone>
//                                       SRV 0 <100/n> <port> <svc>.<ns>.svc.<zone> (headless: one per
//                                       ready endpoint, target <host>.<svc>..., its port), targets'
//                                       A records in the additional section
//   <a>-<b>-<c>-<d>.<ns>.pod.<zone>     A a.b.c.d (kubeadm's `pods insecure`, spec 2.6)
//   dns-version.<zone>                  TXT "1.1.0" (spec 2.2)
//   <zone>                              SOA, NS ns.dns.<zone>; ns.dns.<zone> A: the cluster DNS IP
//   <d>.<c>.<b>.<a>.in-addr.arpa        PTR for ClusterIPs and ready endpoints (spec 2.3.3, 2.4.3)
// Names are case-insensitive (spec 2.1); answers keep the question's spelling. A name that exists
// without the asked type is NOERROR with no answers (NODATA), a name inside the zone that does not
// exist is NXDOMAIN; both carry the zone's SOA in the authority section (RFC 2308), as CoreDNS's
// BackendError does. Names outside the cluster domain (and reverse names of unknown IPs) are
// REFUSED: this server forwards nothing. QDCOUNT other than 1 is FORMERR, an opcode other than
// QUERY is NOTIMP, an EDNS version other than 0 is BADVERS (RFC 6891 6.1.3).

import type { Answer, Packet, Question, SrvData } from 'dns-packet';
import type { DnsView, EndpointRecord, ServiceRecord } from './dns-view.js';
import { canonicalName } from './record-store.js';
import { OPCODE_QUERY, RCODE, opcodeOf, optOf, responseFlags, responseOpt } from './wire.js';

/** The schema version this server implements (CoreDNS's DNSSchemaVersion). */
export const DNS_SCHEMA_VERSION = '1.1.0';
/** CoreDNS answers dns-version with this TTL. */
const SCHEMA_VERSION_TTL = 28800;
/** A SOA's own TTL is the zone TTL, at most 300 s (CoreDNS plugin.SOA). */
const MAX_SOA_TTL = 300;
/** How many in-zone CNAMEs are followed (CoreDNS stops after 8). */
const MAX_CNAME_CHAIN = 8;
const REVERSE_ZONE = 'in-addr.arpa';

interface SrvTarget {
  srv: SrvData;
  /** The target's address, for the additional section. */
  address: string[];
}

/** Everything a name owns. A name with no fields set exists (an empty non-terminal): NODATA. */
interface NameData {
  a?: string[];
  cname?: string;
  srv?: SrvTarget[];
  txt?: { text: string; ttl: number };
  ptr?: string[];
  apex?: true;
}

type Lookup =
  | { rcode: typeof RCODE.REFUSED }
  /** NXDOMAIN can carry answers: the CNAMEs that led to the name that does not exist (RFC 6604). */
  | { rcode: typeof RCODE.NXDOMAIN | typeof RCODE.NOERROR; zone: string; answers: Answer[]; additionals: Answer[] };

export function answer(query: Packet, view: DnsView): Packet {
  const flags = query.flags ?? 0;
  const opt = optOf(query);
  const questions = query.questions ?? [];
  const reply = (rcode: number, authoritative: boolean, sections: Pick<Packet, 'answers' | 'authorities' | 'additionals'> = {}): Packet => ({
    type: 'response',
    id: query.id ?? 0,
    flags: responseFlags(flags, rcode, authoritative),
    questions: rcode === RCODE.FORMERR ? [] : questions.map(echo),
    answers: sections.answers ?? [],
    authorities: sections.authorities ?? [],
    additionals: [...(sections.additionals ?? []), ...(opt ? [responseOpt(rcode)] : [])],
  });

  if (opcodeOf(query) !== OPCODE_QUERY) return reply(RCODE.NOTIMP, false);
  const question = questions.length === 1 ? questions[0] : undefined;
  if (!question) return reply(RCODE.FORMERR, false);
  if (opt && opt.ednsVersion !== 0) return reply(RCODE.BADVERS, false);
  const qclass = question.class ?? 'IN';
  if (qclass !== 'IN' && (qclass as string) !== 'ANY') return reply(RCODE.REFUSED, false);
  const qtype = question.type as string;
  if (qtype === 'AXFR' || qtype === 'IXFR') return reply(RCODE.REFUSED, false); // no zone transfers

  const result = lookup(question.name, qtype, view, 0);
  if (result.rcode === RCODE.REFUSED) return reply(RCODE.REFUSED, false);
  // NXDOMAIN and NODATA carry the SOA, so resolvers know how long to cache the absence (RFC 2308);
  // a CNAME to a name outside the cluster is neither: the rest of the chain is someone else's.
  const last = result.answers.at(-1);
  const leavesZone = last?.type === 'CNAME' && queryZone(last.data, view) === undefined;
  const negative = result.rcode === RCODE.NXDOMAIN || (!leavesZone && !result.answers.some((a) => a.type === qtype || qtype === 'ANY' || qtype === 'CNAME'));
  return reply(result.rcode, true, { answers: result.answers, additionals: result.additionals, ...(negative && { authorities: [soa(result.zone, view)] }) });
}

function echo(q: Question): Question {
  return { name: q.name, type: q.type, class: q.class ?? 'IN' };
}

function soa(zone: string, view: DnsView): Answer {
  return {
    type: 'SOA',
    name: zone,
    ttl: Math.min(view.ttl, MAX_SOA_TTL),
    data: { mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial: view.serial(), refresh: 7200, retry: 1800, expire: 86400, minimum: view.ttl },
  };
}

/** The zone a name belongs to and the labels below it, or undefined when it is not ours. */
function zoneOf(name: string, view: DnsView): { zone: string; labels: string[] } | undefined {
  for (const zone of [view.domain, REVERSE_ZONE]) {
    if (name === zone) return { zone, labels: [] };
    if (name.endsWith(`.${zone}`)) return { zone, labels: name.slice(0, -zone.length - 1).split('.') };
  }
  return undefined;
}

/** The zone (with its trailing dot, as CoreDNS's `zone` label) a question falls in, if it is one of ours. */
export function queryZone(name: string, view: DnsView): string | undefined {
  const where = zoneOf(canonicalName(name), view);
  return where && `${where.zone}.`;
}

function lookup(owner: string, qtype: string, view: DnsView, depth: number): Lookup {
  const name = canonicalName(owner);
  const where = zoneOf(name, view);
  if (!where) return { rcode: RCODE.REFUSED };
  const data = where.zone === REVERSE_ZONE ? reverseData(where.labels, view) : forwardData(where.labels, view);
  if (!data) return where.zone === REVERSE_ZONE ? { rcode: RCODE.REFUSED } : { rcode: RCODE.NXDOMAIN, zone: where.zone, answers: [], additionals: [] };

  const ttl = view.ttl;
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  const any = qtype === 'ANY';

  if (data.cname !== undefined) {
    answers.push({ type: 'CNAME', name: owner, ttl, data: data.cname });
    if (qtype !== 'CNAME' && depth < MAX_CNAME_CHAIN && data.cname !== name) {
      const next = lookup(data.cname, qtype, view, depth + 1);
      // A target outside the cluster is left to the client (nothing is forwarded); one inside is
      // answered here, and its NXDOMAIN is the response's (RFC 6604).
      if (next.rcode !== RCODE.REFUSED) {
        answers.push(...next.answers);
        additionals.push(...next.additionals);
        return { rcode: next.rcode, zone: where.zone, answers, additionals };
      }
    }
    return { rcode: RCODE.NOERROR, zone: where.zone, answers, additionals };
  }
  if ((qtype === 'A' || any) && data.a) for (const ip of data.a) answers.push({ type: 'A', name: owner, ttl, data: ip });
  if ((qtype === 'SRV' || any) && data.srv) {
    const seen = new Set<string>();
    for (const { srv, address } of data.srv) {
      answers.push({ type: 'SRV', name: owner, ttl, data: srv });
      for (const ip of address) {
        const k = `${srv.target} ${ip}`;
        if (seen.has(k)) continue;
        seen.add(k);
        additionals.push({ type: 'A', name: srv.target, ttl, data: ip });
      }
    }
  }
  if ((qtype === 'TXT' || any) && data.txt) answers.push({ type: 'TXT', name: owner, ttl: data.txt.ttl, data: [data.txt.text] });
  if ((qtype === 'PTR' || any) && data.ptr) for (const target of data.ptr) answers.push({ type: 'PTR', name: owner, ttl, data: target });
  if (data.apex) {
    if (qtype === 'SOA' || any) answers.push(soa(where.zone, view));
    if (qtype === 'NS' || any) {
      answers.push({ type: 'NS', name: owner, ttl, data: `ns.dns.${where.zone}` });
      additionals.push({ type: 'A', name: `ns.dns.${where.zone}`, ttl, data: view.nameserverIP });
    }
  }
  return { rcode: RCODE.NOERROR, zone: where.zone, answers, additionals };
}

/** What a name under the cluster domain owns (labels: the name without the domain, lower case). */
function forwardData(labels: string[], view: DnsView): NameData | undefined {
  const [l0, l1, l2, l3, l4] = labels;
  switch (labels.length) {
    case 0:
      return { apex: true };
    case 1:
      if (l0 === 'dns-version') return { txt: { text: DNS_SCHEMA_VERSION, ttl: SCHEMA_VERSION_TTL } };
      return l0 === 'svc' || l0 === 'pod' || l0 === 'dns' ? {} : undefined;
    case 2:
      if (l0 === 'ns' && l1 === 'dns') return { a: [view.nameserverIP] };
      if (l1 === 'pod') return {}; // pods insecure: every namespace may have pods
      if (l1 === 'svc') return view.namespaceHasServices(l0 ?? '') ? {} : undefined;
      return undefined;
    case 3:
      if (l2 === 'pod') return podData(l0 ?? '');
      if (l2 === 'svc') return serviceData(view.service(l1 ?? '', l0 ?? ''), view);
      return undefined;
    case 4: {
      if (l3 !== 'svc') return undefined;
      const svc = view.service(l2 ?? '', l1 ?? '');
      if (!svc) return undefined;
      if (l0?.startsWith('_')) {
        // `_<proto>.<svc>...`: exists (empty) when an SRV record lives below it.
        return srvTargets(svc, undefined, l0.slice(1), view).length > 0 ? {} : undefined;
      }
      return endpointData(view.endpoints(svc.namespace, svc.name), l0 ?? '');
    }
    case 5: {
      if (l4 !== 'svc' || !l0?.startsWith('_') || !l1?.startsWith('_')) return undefined;
      const svc = view.service(l3 ?? '', l2 ?? '');
      if (!svc) return undefined;
      const srv = srvTargets(svc, l0.slice(1), l1.slice(1), view);
      return srv.length > 0 ? { srv } : undefined;
    }
    default:
      return undefined;
  }
}

function serviceFqdn(svc: ServiceRecord, view: DnsView): string {
  return `${svc.name}.${svc.namespace}.svc.${view.domain}`;
}

function serviceData(svc: ServiceRecord | undefined, view: DnsView): NameData | undefined {
  if (!svc) return undefined;
  switch (svc.kind) {
    case 'ExternalName':
      return svc.externalName ? { cname: svc.externalName } : {};
    case 'ClusterIP':
      return { a: svc.clusterIPs, srv: srvTargets(svc, undefined, undefined, view) };
    case 'Headless': {
      const eps = view.endpoints(svc.namespace, svc.name);
      // dns-spec 2.4.1: "If there are no ready endpoints for the headless Service, the answer should be NXDOMAIN."
      if (eps.length === 0) return undefined;
      return { a: eps.map((e) => e.ip), srv: srvTargets(svc, undefined, undefined, view) };
    }
  }
}

function endpointData(endpoints: EndpointRecord[], hostname: string): NameData | undefined {
  const ips = endpoints.filter((e) => e.hostname === hostname).map((e) => e.ip);
  return ips.length > 0 ? { a: ips } : undefined;
}

/** `10-244-1-5` → A 10.244.1.5 (the deprecated, unverified pod records kubeadm's CoreDNS still serves). */
function podData(label: string): NameData | undefined {
  const parts = label.split('-');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
  return { a: [parts.join('.')] };
}

/**
 * SRV records of a Service, for one port name and protocol, or every port when they are undefined
 * (a SRV query for the Service's own name, as CoreDNS answers it). `_<port>._<proto>` names need a
 * named port (dns-spec 2.3.2: "Unnamed ports do not have an SRV record"). Priority 0, weight
 * 100 / count, as CoreDNS's plugin.SRV.
 */
function srvTargets(svc: ServiceRecord, portName: string | undefined, proto: string | undefined, view: DnsView): SrvTarget[] {
  const matches = (p: { name: string; protocol: string }): boolean =>
    (portName === undefined ? proto === undefined || p.name !== '' : p.name === portName && p.name !== '') &&
    (proto === undefined || p.protocol.toLowerCase() === proto);
  const fqdn = serviceFqdn(svc, view);
  const found: { port: number; target: string; address: string[] }[] = [];
  if (svc.kind === 'ClusterIP') {
    for (const p of svc.ports) if (matches(p)) found.push({ port: p.port, target: fqdn, address: svc.clusterIPs });
  } else if (svc.kind === 'Headless') {
    for (const ep of view.endpoints(svc.namespace, svc.name)) {
      for (const p of ep.ports) if (matches(p)) found.push({ port: p.port, target: `${ep.hostname}.${fqdn}`, address: [ep.ip] });
    }
  }
  const weight = Math.max(1, Math.floor(100 / Math.max(1, found.length)));
  return found.map(({ port, target, address }) => ({ srv: { priority: 0, weight, port, target }, address }));
}

/** `<d>.<c>.<b>.<a>` under in-addr.arpa: PTR to the Services and endpoints with that IP. */
function reverseData(labels: string[], view: DnsView): NameData | undefined {
  if (labels.length !== 4 || !labels.every((l) => /^(0|[1-9]\d{0,2})$/.test(l) && Number(l) <= 255)) return undefined;
  const names = view.reverse([...labels].reverse().join('.'));
  return names.length > 0 ? { ptr: names } : undefined;
}
