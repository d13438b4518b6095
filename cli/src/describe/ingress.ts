// describe ingress and ingressclass, after kubectl's describeIngressV1 (each backend as
// `service:port (endpoints)`, the endpoints those of the Service port it names, from its
// EndpointSlices) and describeIngressClassV1 (staging/src/k8s.io/kubectl/pkg/describe/describe.go).

import { formatSlicesForService, loadBalancerAddresses, type EndpointSlice, type Event, type Ingress, type IngressBackend, type IngressClass, type Service } from '@skiff/api';
import { writeEvents } from './events.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, PrefixWriter, writeAnnotations, writeLabels } from './prefix-writer.js';

/** What describe knows of a backend Service: the Service and its slices, or why they could not be read. */
export type BackendService = { service: Service; slices: EndpointSlice[] } | { error: string };

/** serviceBackendStringer: `name:port` (the port number, else its name). */
export function serviceBackendString(b: NonNullable<IngressBackend['service']>): string {
  return `${b.name}:${b.port?.number ? b.port.number : (b.port?.name ?? '')}`;
}

/** describeBackendV1. */
export function describeBackend(backend: Readonly<IngressBackend>, lookup: (name: string) => BackendService | undefined): string {
  if (backend.service) {
    const sb = serviceBackendString(backend.service);
    const found = lookup(backend.service.name);
    if (found === undefined) return sb;
    if ('error' in found) return `${sb} (<error: ${found.error}>)`;
    const port = backend.service.port ?? {};
    let spName = '';
    for (const sp of found.service.spec?.ports ?? []) {
      if (port.number && port.number === sp.port) spName = sp.name ?? '';
      else if (port.name && port.name === sp.name) spName = sp.name ?? '';
    }
    return `${sb} (${formatSlicesForService(found.slices, new Set([spName]))})`;
  }
  if (backend.resource) {
    const r = backend.resource;
    return `APIGroup: ${r.apiGroup ?? '<none>'}, Kind: ${r.kind}, Name: ${r.name}`;
  }
  return '';
}

/** The Services an Ingress's backends name (default backend and every path). */
export function backendServiceNames(ing: Readonly<Ingress>): string[] {
  const names = new Set<string>();
  const add = (b: IngressBackend | undefined): void => {
    if (b?.service?.name) names.add(b.service.name);
  };
  add(ing.spec?.defaultBackend);
  for (const r of ing.spec?.rules ?? []) for (const p of r.http?.paths ?? []) add(p.backend);
  return [...names];
}

export function describeIngress(
  ing: Readonly<Ingress>,
  lookup: (name: string) => BackendService | undefined,
  events: readonly Event[] | undefined,
  now: number,
): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${ing.metadata.name ?? ''}\n`);
  writeLabels(w, 'Labels', ing.metadata.labels);
  w.write(LEVEL_0, `Namespace:\t${ing.metadata.namespace ?? ''}\n`);
  w.write(LEVEL_0, `Address:\t${loadBalancerAddresses(ing.status?.loadBalancer?.ingress, true)}\n`);
  w.write(LEVEL_0, `Ingress Class:\t${ing.spec?.ingressClassName ?? '<none>'}\n`);
  const def = ing.spec?.defaultBackend;
  const defaultBackend = def ? describeBackend(def, lookup) : '<default>';
  w.write(LEVEL_0, `Default backend:\t${defaultBackend}\n`);
  if (ing.spec?.tls?.length) {
    w.write(LEVEL_0, 'TLS:\n');
    for (const t of ing.spec.tls) {
      const hosts = (t.hosts ?? []).join(',');
      w.write(LEVEL_1, t.secretName ? `${t.secretName} terminates ${hosts}\n` : `SNI routes ${hosts}\n`);
    }
  }
  w.write(LEVEL_0, 'Rules:\n  Host\tPath\tBackends\n');
  w.write(LEVEL_1, '----\t----\t--------\n');
  let count = 0;
  for (const rule of ing.spec?.rules ?? []) {
    if (!rule.http) continue;
    count++;
    w.write(LEVEL_1, `${rule.host || '*'}\t\n`);
    for (const p of rule.http.paths ?? []) w.write(LEVEL_2, `\t${p.path ?? ''} \t${describeBackend(p.backend, lookup)}\n`);
  }
  if (count === 0) w.write(LEVEL_1, `*\t*\t${defaultBackend}\n`);
  writeAnnotations(w, 'Annotations', ing.metadata.annotations);
  if (events) writeEvents(w, events, now);
  return w.toString();
}

export function describeIngressClass(ic: Readonly<IngressClass>, events: readonly Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${ic.metadata.name ?? ''}\n`);
  writeLabels(w, 'Labels', ic.metadata.labels);
  writeAnnotations(w, 'Annotations', ic.metadata.annotations);
  w.write(LEVEL_0, `Controller:\t${ic.spec?.controller ?? ''}\n`);
  const p = ic.spec?.parameters;
  if (p) {
    w.write(LEVEL_0, 'Parameters:\n');
    if (p.apiGroup) w.write(LEVEL_1, `APIGroup:\t${p.apiGroup}\n`);
    w.write(LEVEL_1, `Kind:\t${p.kind}\n`);
    w.write(LEVEL_1, `Name:\t${p.name}\n`);
  }
  if (events) writeEvents(w, events, now);
  return w.toString();
}
