// Columns of the networking kinds, as kubectl's printers.go prints them
// (pkg/printers/internalversion/printers.go: printService, printEndpoints, printEndpointSlice,
// printIngress, printIngressClass and their helpers getServiceExternalIP, makePortString,
// formatEndpoints, formatDiscoveryPorts, formatDiscoveryEndpoints, formatHosts, formatPorts,
// loadBalancerStatusStringer):
//   services        NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE [SELECTOR]
//   endpoints       NAME ENDPOINTS AGE
//   endpointslices  NAME ADDRESSTYPE PORTS ENDPOINTS AGE
//   ingresses       NAME CLASS HOSTS ADDRESS PORTS AGE
//   ingressclasses  NAME CONTROLLER PARAMETERS AGE

import type { EndpointSlice, Endpoints, Ingress, IngressClass, LoadBalancerIngress, Service, ServicePort } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, ageOf, column, type KindColumns } from './columns.js';
import { formatLabels } from './labels.js';

/** kubectl clips load-balancer addresses to 16 characters outside -o wide. */
const LOAD_BALANCER_WIDTH = 16;
/** How many endpoints, ports or hosts a cell lists before `+ N more...`. */
const MAX_LISTED = 3;

/** loadBalancerStatusStringer: the IPs (else hostnames), sorted and deduplicated, clipped unless wide. */
export function loadBalancerAddresses(ingress: readonly LoadBalancerIngress[] | undefined, wide: boolean): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  const r = [...set].sort().join(',');
  return !wide && r.length > LOAD_BALANCER_WIDTH ? `${r.slice(0, LOAD_BALANCER_WIDTH - 3)}...` : r;
}

/** getServiceExternalIP. */
export function serviceExternalIP(svc: Readonly<Service>, wide: boolean): string {
  const external = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer?.ingress, wide);
      if (external.length > 0) return [...(lb ? lb.split(',') : []), ...external].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: `80/TCP`, `80:30080/TCP` with a node port, comma-separated. */
export function servicePorts(ports: readonly ServicePort[] | undefined): string {
  return (ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function withMore(list: readonly string[], count: number, empty: string): string {
  const shown = list.slice(0, MAX_LISTED).join(',');
  if (count > MAX_LISTED) return `${shown} + ${count - MAX_LISTED} more...`;
  return shown === '' ? empty : shown;
}

/** formatEndpoints: ready `ip:port` pairs (or bare IPs for port-less subsets), three then `+ N more...`. */
export function formatEndpoints(ep: Readonly<Endpoints>, portNames?: ReadonlySet<string>): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if ((ss.ports ?? []).length === 0) {
      count += addresses.length;
      for (const a of addresses) if (list.length < MAX_LISTED) list.push(a.ip);
      continue;
    }
    for (const port of ss.ports ?? []) {
      if (portNames !== undefined && !portNames.has(port.name ?? '')) continue;
      count += addresses.length;
      for (const a of addresses) if (list.length < MAX_LISTED) list.push(hostPort(a.ip, port.port));
    }
  }
  return withMore(list, count, '');
}

/** formatDiscoveryPorts: port numbers (else names, else `*`), three then `+ N more...`; `<unset>` when none. */
export function formatSlicePorts(ports: EndpointSlice['ports']): string {
  const all = (ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? '*')));
  return withMore(all, all.length, '<unset>');
}

/** formatDiscoveryEndpoints: every address of every endpoint, three then `+ N more...`; `<unset>` when none. */
export function formatSliceEndpoints(endpoints: EndpointSlice['endpoints'] | undefined): string {
  const all = (endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return withMore(all, all.length, '<unset>');
}

/**
 * describe's formatEndpointSlices: the ready (or unknown-readiness) endpoints of the slices as
 * `ip:port` for the named service ports (all when `portNames` is undefined), `<none>` without slices.
 */
export function formatSlicesForService(slices: readonly EndpointSlice[], portNames?: ReadonlySet<string>): string {
  if (slices.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const slice of slices) {
    const ready = (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false && (e.addresses ?? []).length > 0);
    if ((slice.ports ?? []).length === 0) {
      count += ready.length;
      for (const e of ready) if (list.length < MAX_LISTED) list.push(e.addresses[0] ?? '');
      continue;
    }
    for (const port of slice.ports ?? []) {
      if (portNames !== undefined && !portNames.has(port.name ?? '')) continue;
      count += ready.length;
      for (const e of ready) if (list.length < MAX_LISTED) list.push(hostPort(e.addresses[0] ?? '', port.port ?? 0));
    }
  }
  return withMore(list, count, '');
}

/** formatHosts: up to three rule hosts, `*` when none has one. */
export function formatIngressHosts(ing: Readonly<Ingress>): string {
  const rules = ing.spec?.rules ?? [];
  const list: string[] = [];
  let more = false;
  for (const r of rules) {
    if (list.length === MAX_LISTED) more = true;
    if (!more && r.host) list.push(r.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - MAX_LISTED} more...` : list.join(',');
}

export const services: KindColumns = {
  columns: [
    NAME_COLUMN,
    column('Type', 'type determines how the Service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName.'),
    column('Cluster-IP', 'clusterIP is the IP address of the service, usually assigned randomly from the service cluster IP range.'),
    column('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    column('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { wide: true }),
  ],
  cells(obj, now, wide) {
    const svc = obj as Service;
    const clusterIP = svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP;
    return [
      svc.metadata.name ?? '',
      svc.spec?.type ?? 'ClusterIP',
      clusterIP ? clusterIP : '<none>',
      serviceExternalIP(svc, wide),
      servicePorts(svc.spec?.ports) || '<none>',
      ageOf(svc, now),
      formatLabels(svc.spec?.selector),
    ];
  },
};

export const endpoints: KindColumns = {
  columns: [NAME_COLUMN, column('Endpoints', 'The set of all endpoints is the union of all subsets.'), AGE_COLUMN],
  cells(obj, now) {
    const ep = obj as Endpoints;
    return [ep.metadata.name ?? '', formatEndpoints(ep), ageOf(ep, now)];
  },
};

export const endpointslices: KindColumns = {
  columns: [
    NAME_COLUMN,
    column('AddressType', 'The type of address carried by this EndpointSlice.'),
    column('Ports', 'Ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'Addresses of the endpoints in this slice.'),
    AGE_COLUMN,
  ],
  cells(obj, now) {
    const s = obj as EndpointSlice;
    return [s.metadata.name ?? '', s.addressType ?? '', formatSlicePorts(s.ports), formatSliceEndpoints(s.endpoints), ageOf(s, now)];
  },
};

export const ingresses: KindColumns = {
  columns: [
    NAME_COLUMN,
    column('Class', 'The name of the IngressClass resource.'),
    column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'Ports of TLS configurations that open'),
    AGE_COLUMN,
  ],
  cells(obj, now, wide) {
    const ing = obj as Ingress;
    return [
      ing.metadata.name ?? '',
      ing.spec?.ingressClassName ?? '<none>',
      formatIngressHosts(ing),
      loadBalancerAddresses(ing.status?.loadBalancer?.ingress, wide),
      (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80',
      ageOf(ing, now),
    ];
  },
};

export const ingressclasses: KindColumns = {
  columns: [
    NAME_COLUMN,
    column('Controller', 'Controller that is in charge of handling this IngressClass.'),
    column('Parameters', 'A link to a custom resource containing additional configuration for the controller.'),
    AGE_COLUMN,
  ],
  cells(obj, now) {
    const ic = obj as IngressClass;
    const p = ic.spec?.parameters;
    const parameters = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
    return [ic.metadata.name ?? '', ic.spec?.controller ?? '', parameters, ageOf(ic, now)];
  },
};
