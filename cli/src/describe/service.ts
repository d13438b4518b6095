// describe service, endpoints and endpointslice, after kubectl's describeService (its endpoints
// from the Service's EndpointSlices, per port), describeEndpoints and describeEndpointSliceV1
// (staging/src/k8s.io/kubectl/pkg/describe/describe.go).

import { formatLabels, formatSlicesForService, type EndpointSlice, type Endpoints, type Event, type Service } from '@skiff/api';
import { writeEvents } from './events.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, PrefixWriter, writeObjectHeader } from './prefix-writer.js';

/** buildIngressString: the load balancer's IPs (with their mode) or hostnames. */
function loadBalancerIngress(svc: Readonly<Service>): string {
  return (svc.status?.loadBalancer?.ingress ?? []).map((i) => (i.ip ? `${i.ip}${i.ipMode ? ` (${i.ipMode})` : ''}` : (i.hostname ?? ''))).join(', ');
}

/** The Name/Port/Protocol table of Endpoints subsets and EndpointSlices. */
function writePorts(w: PrefixWriter, level: number, ports: ReadonlyArray<{ name?: string; port?: number; protocol?: string }>): void {
  w.write(level, 'Name\tPort\tProtocol\n');
  w.write(level, '----\t----\t--------\n');
  for (const p of ports) w.write(level, `${p.name || '<unset>'}\t${p.port ?? '<unset>'}\t${p.protocol ?? 'TCP'}\n`);
}

export function describeService(svc: Readonly<Service>, slices: readonly EndpointSlice[], events: readonly Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  const spec = svc.spec ?? {};
  writeObjectHeader(w, svc);
  w.write(LEVEL_0, `Selector:\t${formatLabels(spec.selector)}\n`);
  w.write(LEVEL_0, `Type:\t${spec.type ?? 'ClusterIP'}\n`);
  if (spec.ipFamilyPolicy) w.write(LEVEL_0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
  w.write(LEVEL_0, `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(',') : '<none>'}\n`);
  w.write(LEVEL_0, `IP:\t${spec.clusterIP ?? ''}\n`);
  w.write(LEVEL_0, `IPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(',') : '<none>'}\n`);
  if (spec.externalIPs?.length) w.write(LEVEL_0, `External IPs:\t${spec.externalIPs.join(',')}\n`);
  if (spec.loadBalancerIP) w.write(LEVEL_0, `Desired LoadBalancer IP:\t${spec.loadBalancerIP}\n`);
  if (spec.externalName) w.write(LEVEL_0, `External Name:\t${spec.externalName}\n`);
  if (svc.status?.loadBalancer?.ingress?.length) w.write(LEVEL_0, `LoadBalancer Ingress:\t${loadBalancerIngress(svc)}\n`);
  for (const sp of spec.ports ?? []) {
    const name = sp.name || '<unset>';
    const protocol = sp.protocol ?? 'TCP';
    w.write(LEVEL_0, `Port:\t${name}\t${sp.port}/${protocol}\n`);
    w.write(LEVEL_0, `TargetPort:\t${sp.targetPort ?? sp.port}/${protocol}\n`);
    if (sp.appProtocol) w.write(LEVEL_0, `AppProtocol:\t${sp.appProtocol}\n`);
    if (sp.nodePort) w.write(LEVEL_0, `NodePort:\t${name}\t${sp.nodePort}/${protocol}\n`);
    w.write(LEVEL_0, `Endpoints:\t${formatSlicesForService(slices, new Set([sp.name ?? '']))}\n`);
  }
  w.write(LEVEL_0, `Session Affinity:\t${spec.sessionAffinity ?? 'None'}\n`);
  if (spec.externalTrafficPolicy) w.write(LEVEL_0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
  if (spec.internalTrafficPolicy) w.write(LEVEL_0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
  if (events) writeEvents(w, events, now);
  return w.toString();
}

export function describeEndpoints(ep: Readonly<Endpoints>, events: readonly Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  writeObjectHeader(w, ep);
  w.write(LEVEL_0, 'Subsets:\n');
  for (const subset of ep.subsets ?? []) {
    w.write(LEVEL_1, `Addresses:\t${(subset.addresses ?? []).map((a) => a.ip).join(',') || '<none>'}\n`);
    w.write(LEVEL_1, `NotReadyAddresses:\t${(subset.notReadyAddresses ?? []).map((a) => a.ip).join(',') || '<none>'}\n`);
    if (subset.ports?.length) {
      w.write(LEVEL_1, 'Ports:\n');
      writePorts(w, LEVEL_2, subset.ports);
    }
    w.write(LEVEL_0, '\n');
  }
  if (events) writeEvents(w, events, now);
  return w.toString();
}

export function describeEndpointSlice(eps: Readonly<EndpointSlice>, events: readonly Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  writeObjectHeader(w, eps);
  w.write(LEVEL_0, `AddressType:\t${eps.addressType ?? ''}\n`);
  if (!eps.ports?.length) {
    w.write(LEVEL_0, 'Ports: <unset>\n');
  } else {
    w.write(LEVEL_0, 'Ports:\n');
    writePorts(w, LEVEL_1, eps.ports);
  }
  if (!eps.endpoints?.length) {
    w.write(LEVEL_0, 'Endpoints: <none>\n');
  } else {
    w.write(LEVEL_0, 'Endpoints:\n');
    for (const e of eps.endpoints) {
      w.write(LEVEL_1, `- Addresses:\t${(e.addresses ?? []).join(', ') || '<none>'}\n`);
      w.write(LEVEL_2, 'Conditions:\n');
      w.write(LEVEL_3, `Ready:\t${e.conditions?.ready === undefined ? '<unset>' : String(e.conditions.ready)}\n`);
      w.write(LEVEL_2, `Hostname:\t${e.hostname ?? '<unset>'}\n`);
      if (e.targetRef) w.write(LEVEL_2, `TargetRef:\t${e.targetRef.kind ?? ''}/${e.targetRef.name ?? ''}\n`);
      w.write(LEVEL_2, `NodeName:\t${e.nodeName ?? '<unset>'}\n`);
      w.write(LEVEL_2, `Zone:\t${e.zone ?? '<unset>'}\n`);
    }
  }
  if (events) writeEvents(w, events, now);
  return w.toString();
}
