// The DnsView built from Services and EndpointSlices: the informers' handlers call set*/delete*,
// queries read it. It keeps, per Service, what DNS needs (kind, cluster IPs, named ports) and, per
// EndpointSlice, its ready IPv4 endpoints (Kubernetes' consumers use endpoints whose
// `conditions.ready` is not false; the endpointslice controller already marks every endpoint ready
// when the Service publishes not-ready addresses), plus indexes for reverse (PTR) lookups.

import { isIPv4, LABEL_SERVICE_NAME, type EndpointSlice, type Protocol, type Service } from '@skiff/api';
import type { DnsView, EndpointRecord, PortRecord, ServiceRecord } from './dns-view.js';

export interface RecordStoreOptions {
  /** The cluster domain (`cluster.local`); case and a trailing dot do not matter. */
  domain: string;
  ttl: number;
  nameserverIP: string;
  /** Milliseconds since the epoch (tests pass a fixed clock). */
  now?: () => number;
}

interface SliceRecord {
  /** `<namespace>/<service>` of the Service the slice belongs to. */
  service: string;
  endpoints: EndpointRecord[];
}

const key = (namespace: string, name: string): string => `${namespace.toLowerCase()}/${name.toLowerCase()}`;

function addTo(index: Map<string, Set<string>>, k: string, v: string): void {
  let set = index.get(k);
  if (!set) index.set(k, (set = new Set()));
  set.add(v);
}

function removeFrom(index: Map<string, Set<string>>, k: string, v: string): void {
  const set = index.get(k);
  if (!set) return;
  set.delete(v);
  if (set.size === 0) index.delete(k);
}

/** `example.com.` / `Example.COM` → `example.com`. */
export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

function portRecord(p: { name?: string; protocol?: Protocol; port?: number }): PortRecord | undefined {
  if (p.port === undefined) return undefined;
  return { name: (p.name ?? '').toLowerCase(), protocol: p.protocol ?? 'TCP', port: p.port };
}

/** What DNS serves for a Service (pure: exported for tests). */
export function serviceRecord(svc: Readonly<Service>): ServiceRecord {
  const spec = svc.spec ?? {};
  const ports = (spec.ports ?? []).map(portRecord).filter((p): p is PortRecord => p !== undefined);
  const base = { namespace: (svc.metadata.namespace ?? '').toLowerCase(), name: (svc.metadata.name ?? '').toLowerCase(), ports };
  if (spec.type === 'ExternalName') {
    return { ...base, kind: 'ExternalName', clusterIPs: [], ...(spec.externalName && { externalName: canonicalName(spec.externalName) }) };
  }
  if (spec.clusterIP === 'None') return { ...base, kind: 'Headless', clusterIPs: [] };
  const ips = spec.clusterIPs && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  return { ...base, kind: 'ClusterIP', clusterIPs: ips.filter(isIPv4) };
}

/** The ready IPv4 endpoints of a slice (pure: exported for tests). */
export function sliceEndpoints(slice: Readonly<EndpointSlice>): EndpointRecord[] {
  if (slice.addressType !== 'IPv4') return [];
  const ports = (slice.ports ?? []).map(portRecord).filter((p): p is PortRecord => p !== undefined);
  const out: EndpointRecord[] = [];
  for (const ep of slice.endpoints ?? []) {
    if (ep.conditions?.ready === false) continue;
    for (const ip of ep.addresses ?? []) {
      if (!isIPv4(ip)) continue;
      out.push({ ip, hostname: (ep.hostname ?? ip.replaceAll('.', '-')).toLowerCase(), ports });
    }
  }
  return out;
}

export class RecordStore implements DnsView {
  readonly domain: string;
  readonly ttl: number;
  readonly nameserverIP: string;
  private readonly now: () => number;
  private lastChange: number;
  private readonly services = new Map<string, ServiceRecord>();
  private readonly servicesPerNamespace = new Map<string, number>();
  private readonly slices = new Map<string, SliceRecord>();
  private readonly slicesByService = new Map<string, Set<string>>();
  private readonly servicesByClusterIP = new Map<string, Set<string>>();
  private readonly slicesByEndpointIP = new Map<string, Set<string>>();

  constructor(opts: RecordStoreOptions) {
    this.domain = canonicalName(opts.domain);
    this.ttl = opts.ttl;
    this.nameserverIP = opts.nameserverIP;
    this.now = opts.now ?? Date.now;
    this.lastChange = this.now();
  }

  // ---- updates (from the informers) ----

  setService(svc: Readonly<Service>): void {
    const k = key(svc.metadata.namespace ?? '', svc.metadata.name ?? '');
    this.removeService(k);
    const rec = serviceRecord(svc);
    this.services.set(k, rec);
    this.servicesPerNamespace.set(rec.namespace, (this.servicesPerNamespace.get(rec.namespace) ?? 0) + 1);
    for (const ip of rec.clusterIPs) addTo(this.servicesByClusterIP, ip, k);
    this.touch();
  }

  deleteService(svc: Readonly<Service>): void {
    this.removeService(key(svc.metadata.namespace ?? '', svc.metadata.name ?? ''));
    this.touch();
  }

  setSlice(slice: Readonly<EndpointSlice>): void {
    const k = key(slice.metadata.namespace ?? '', slice.metadata.name ?? '');
    this.removeSlice(k);
    const serviceName = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (serviceName) {
      const rec: SliceRecord = { service: key(slice.metadata.namespace ?? '', serviceName), endpoints: sliceEndpoints(slice) };
      this.slices.set(k, rec);
      addTo(this.slicesByService, rec.service, k);
      for (const ep of rec.endpoints) addTo(this.slicesByEndpointIP, ep.ip, k);
    }
    this.touch();
  }

  deleteSlice(slice: Readonly<EndpointSlice>): void {
    this.removeSlice(key(slice.metadata.namespace ?? '', slice.metadata.name ?? ''));
    this.touch();
  }

  // ---- DnsView ----

  service(namespace: string, name: string): ServiceRecord | undefined {
    return this.services.get(key(namespace, name));
  }

  endpoints(namespace: string, name: string): EndpointRecord[] {
    const seen = new Set<string>();
    const out: EndpointRecord[] = [];
    for (const sliceKey of [...(this.slicesByService.get(key(namespace, name)) ?? [])].sort()) {
      for (const ep of this.slices.get(sliceKey)?.endpoints ?? []) {
        if (seen.has(ep.ip)) continue; // the same endpoint in two slices while it moves between them
        seen.add(ep.ip);
        out.push(ep);
      }
    }
    return out;
  }

  namespaceHasServices(namespace: string): boolean {
    return (this.servicesPerNamespace.get(namespace.toLowerCase()) ?? 0) > 0;
  }

  reverse(ip: string): string[] {
    const names: string[] = [];
    const add = (n: string): void => void (names.includes(n) || names.push(n));
    for (const k of this.servicesByClusterIP.get(ip) ?? []) {
      const svc = this.services.get(k);
      if (svc) add(`${svc.name}.${svc.namespace}.svc.${this.domain}`);
    }
    for (const sliceKey of this.slicesByEndpointIP.get(ip) ?? []) {
      const rec = this.slices.get(sliceKey);
      const svc = rec && this.services.get(rec.service);
      if (!rec || !svc) continue;
      for (const ep of rec.endpoints) if (ep.ip === ip) add(`${ep.hostname}.${svc.name}.${svc.namespace}.svc.${this.domain}`);
    }
    return names;
  }

  serial(): number {
    return Math.floor(this.lastChange / 1000);
  }

  // ---- internals ----

  private touch(): void {
    this.lastChange = this.now();
  }

  private removeService(k: string): void {
    const old = this.services.get(k);
    if (!old) return;
    this.services.delete(k);
    const n = (this.servicesPerNamespace.get(old.namespace) ?? 1) - 1;
    if (n > 0) this.servicesPerNamespace.set(old.namespace, n);
    else this.servicesPerNamespace.delete(old.namespace);
    for (const ip of old.clusterIPs) removeFrom(this.servicesByClusterIP, ip, k);
  }

  private removeSlice(k: string): void {
    const old = this.slices.get(k);
    if (!old) return;
    this.slices.delete(k);
    removeFrom(this.slicesByService, old.service, k);
    for (const ep of old.endpoints) removeFrom(this.slicesByEndpointIP, ep.ip, k);
  }
}
