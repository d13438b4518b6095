// A ProxySnapshot from plain Services and "ip:port" endpoint lists, for proxier tests.

import type { Service } from '@skiff/api';
import type { EndpointInfo } from '../endpoints.js';
import type { ProxySnapshot } from '../proxier.js';
import { servicePortsOf, type ServicePortInfo } from '../service-port.js';

export function snapshot(services: Service[], endpoints: Record<string, string[]>, nodeAddresses: string[] = []): ProxySnapshot {
  const svcMap = new Map<string, ServicePortInfo>();
  for (const s of services) for (const [k, v] of servicePortsOf(s)) svcMap.set(k, v);
  const epMap = new Map<string, EndpointInfo[]>();
  for (const [k, list] of Object.entries(endpoints)) {
    epMap.set(
      k,
      list.map((e) => {
        const [ip, port] = e.split(':');
        return { ip: ip as string, port: Number(port) };
      }),
    );
  }
  return {
    services: svcMap,
    endpoints: epMap,
    nodeAddresses,
    serviceChanges: { updatedServices: new Set(), deletedUDPClusterIPs: new Set() },
    endpointChanges: { updatedServices: new Set(), deletedUDPEndpoints: [], newlyActiveUDPServices: [] },
  };
}
