// The endpoints of a Service's ports, merged from all of its EndpointSlices as Kubernetes'
// pkg/proxy/endpointslicecache.go does: slices name their Service with the
// `kubernetes.io/service-name` label, a slice port matches a service port by name and protocol,
// the first address of an endpoint is used, duplicates across slices collapse to one. Only
// endpoints whose `conditions.ready` is not false are kept: they are the ones that get traffic.

import { LABEL_SERVICE_NAME, isIPv4, type EndpointSlice } from '@skiff/api';
import { servicePortKey } from './service-port.js';

export interface EndpointInfo {
  readonly ip: string;
  readonly port: number;
  readonly nodeName?: string;
}

export function endpointString(ep: EndpointInfo): string {
  return `${ep.ip}:${ep.port}`;
}

/** `namespace/service` the slice belongs to, or undefined when it names none. */
export function serviceOfSlice(slice: Readonly<EndpointSlice>): string | undefined {
  const name = slice.metadata.labels?.[LABEL_SERVICE_NAME];
  return name ? `${slice.metadata.namespace ?? ''}/${name}` : undefined;
}

function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  return a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1;
}

/**
 * Ready endpoints per service port key (servicePortKey) of one Service, from all of its slices.
 * Endpoint lists are sorted (IP, then port) so that generated rules do not churn.
 */
export function endpointsOfService(service: string, slices: Iterable<Readonly<EndpointSlice>>): Map<string, EndpointInfo[]> {
  const byPort = new Map<string, Map<string, EndpointInfo>>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4') continue;
    for (const port of slice.ports ?? []) {
      if (port.port === undefined || port.port < 1 || port.port > 65535) continue;
      const key = servicePortKey(service, port.name ?? '', port.protocol ?? 'TCP');
      let eps = byPort.get(key);
      if (!eps) byPort.set(key, (eps = new Map()));
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false) continue;
        const ip = ep.addresses[0];
        if (ip === undefined || !isIPv4(ip)) continue;
        const info: EndpointInfo = { ip, port: port.port, ...(ep.nodeName !== undefined && { nodeName: ep.nodeName }) };
        eps.set(endpointString(info), info);
      }
    }
  }
  const out = new Map<string, EndpointInfo[]>();
  for (const [key, eps] of byPort) if (eps.size > 0) out.set(key, [...eps.values()].sort(compareEndpoints));
  return out;
}
