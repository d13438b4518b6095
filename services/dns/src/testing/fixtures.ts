// Objects and queries for the DNS tests.

import { LABEL_SERVICE_NAME, type Endpoint, type EndpointSlice, type Service, type ServiceSpec } from '@skiff/api';
import dnsPacket, { type Packet, type RecordType } from 'dns-packet';

export function service(namespace: string, name: string, spec: ServiceSpec): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace, name, uid: `uid-${namespace}-${name}` }, spec };
}

export function slice(namespace: string, serviceName: string, name: string, endpoints: Endpoint[], ports: EndpointSlice['ports'] = []): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace, name, labels: { [LABEL_SERVICE_NAME]: serviceName } },
    addressType: 'IPv4',
    endpoints,
    ports,
  };
}

export function endpoint(ip: string, opts: { ready?: boolean; hostname?: string } = {}): Endpoint {
  return { addresses: [ip], conditions: { ready: opts.ready ?? true }, ...(opts.hostname && { hostname: opts.hostname }) };
}

let nextId = 1;

/** A query as a stub resolver sends it: RD set, one question, optionally EDNS0. */
export function query(name: string, type: RecordType | 'ANY' = 'A', opts: { edns?: number; id?: number } = {}): Packet {
  return {
    type: 'query',
    id: opts.id ?? nextId++ % 65536,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as RecordType, class: 'IN' }],
    ...(opts.edns !== undefined && {
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    }),
  };
}
