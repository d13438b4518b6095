// From an Ingress backend (Service name + port by number or name) to the ready endpoints to proxy
// to, as ingress-nginx does (internal/ingress/controller/endpointslices.go getEndpointsFromSlices):
// the backend port names a Service port; the Service port's name picks the port of that name in
// each EndpointSlice of the Service (the endpointslice controller resolves targetPort per pod
// there); every endpoint whose `conditions.ready` is not false contributes its address.

import type { EndpointSlice, Service, ServiceBackendPort, ServicePort } from '@skiff/api';

export interface Endpoint {
  ip: string;
  port: number;
}

export type Resolution =
  | { endpoints: Endpoint[] }
  | { unavailable: 'ServiceNotFound' | 'PortNotFound' | 'NoEndpoints' | 'ExternalName'; message: string };

export function backendPortLabel(port: ServiceBackendPort): string {
  return port.name ? port.name : String(port.number ?? '');
}

function findServicePort(svc: Readonly<Service>, port: ServiceBackendPort): ServicePort | undefined {
  const ports = svc.spec?.ports ?? [];
  if (port.name) return ports.find((p) => p.name === port.name);
  if (port.number !== undefined) return ports.find((p) => p.port === port.number);
  return ports.length === 1 ? ports[0] : undefined;
}

/** The ready endpoints of a backend, or why there are none (the proxy answers 503). */
export function resolveEndpoints(
  svc: Readonly<Service> | undefined,
  slices: readonly Readonly<EndpointSlice>[],
  port: ServiceBackendPort,
  key: string,
): Resolution {
  if (!svc) return { unavailable: 'ServiceNotFound', message: `service ${key} not found` };
  if (svc.spec?.type === 'ExternalName') return { unavailable: 'ExternalName', message: `service ${key} is an ExternalName service, which the skiff ingress controller does not proxy to` };
  const sp = findServicePort(svc, port);
  if (!sp) return { unavailable: 'PortNotFound', message: `service ${key} has no port ${backendPortLabel(port)}` };
  const name = sp.name ?? '';
  const protocol = sp.protocol ?? 'TCP';
  const seen = new Set<string>();
  const endpoints: Endpoint[] = [];
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === name && (p.protocol ?? 'TCP') === protocol);
    if (slicePort?.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      const ip = ep.addresses?.[0];
      if (!ip) continue;
      const id = `${ip}:${slicePort.port}`;
      if (seen.has(id)) continue;
      seen.add(id);
      endpoints.push({ ip, port: slicePort.port });
    }
  }
  if (endpoints.length === 0) return { unavailable: 'NoEndpoints', message: `service ${key} has no ready endpoint for port ${backendPortLabel(port)}` };
  return { endpoints };
}
