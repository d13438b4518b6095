// discovery.k8s.io/v1 EndpointSlices (pkg/registry/discovery/endpointslice/strategy.go; validation
// after pkg/apis/discovery/validation ValidateEndpointSlice; defaults after
// pkg/apis/discovery/v1/defaults.go: a port's name "" and protocol TCP). Skiff's networks are IPv4,
// so addressType is IPv4 or FQDN (IPv6 is refused by name). The generation grows when the
// endpoints, ports or addressType change, as kube-proxy's change tracking expects.

import { isDeepStrictEqual } from 'node:util';
import { RESOURCES, type Endpoint, type EndpointSlice, type FieldError } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema, objectReferenceSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe, immutable } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';
import { validateDNS1123Label, validateDNS1123Subdomain, validateEndpointIP, validateFQDN, validatePortNum } from '../validation/network.js';
import { validateEndpointProtocol } from './endpoints.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;

const schema = kindSchema({
  addressType: S.string,
  endpoints: S.array(
    S.object({
      addresses: S.array(S.string),
      conditions: S.object({ ready: S.boolean, serving: S.boolean, terminating: S.boolean }),
      hostname: S.string,
      targetRef: objectReferenceSchema,
      nodeName: S.string,
      zone: S.string,
    }, { required: ['addresses'] }),
  ),
  ports: S.array(S.object({ name: S.string, port: S.integer, protocol: S.string, appProtocol: S.string })),
}, { required: ['addressType', 'endpoints'] });

function validateEndpoint(e: Endpoint, addressType: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const addresses = e.addresses ?? [];
  if (addresses.length === 0) errs.push(fe.required(`${path}.addresses`, 'must contain at least 1 address'));
  else if (addresses.length > MAX_ADDRESSES) errs.push(fe.tooMany(`${path}.addresses`, addresses.length, MAX_ADDRESSES));
  addresses.forEach((a, i) => {
    const p = `${path}.addresses[${i}]`;
    if (addressType === 'IPv4') errs.push(...validateEndpointIP(p, a));
    else if (addressType === 'FQDN') errs.push(...validateFQDN(p, a));
  });
  if (e.hostname !== undefined) errs.push(...validateDNS1123Label(`${path}.hostname`, e.hostname));
  if (e.nodeName !== undefined) errs.push(...validateDNS1123Subdomain(`${path}.nodeName`, e.nodeName));
  return errs;
}

function validateSlicePorts(slice: EndpointSlice): FieldError[] {
  const ports = slice.ports ?? [];
  if (ports.length > MAX_PORTS) return [fe.tooMany('ports', ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `ports[${i}]`;
    const name = p.name ?? '';
    if (name) errs.push(...validateDNS1123Label(`${path}.name`, name));
    if (names.has(name)) errs.push(fe.duplicate(`${path}.name`, name));
    names.add(name);
    // No port means every port of the endpoints.
    if (p.port !== undefined) errs.push(...validatePortNum(`${path}.port`, p.port));
    errs.push(...validateEndpointProtocol(p, path));
  });
  return errs;
}

function validateSlice(slice: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  const type = slice.addressType;
  if (!type) errs.push(fe.required('addressType'));
  else if (!ADDRESS_TYPES.includes(type)) errs.push(fe.notSupported('addressType', type, ADDRESS_TYPES));
  const endpoints = slice.endpoints ?? [];
  if (endpoints.length > MAX_ENDPOINTS) errs.push(fe.tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  else endpoints.forEach((e, i) => errs.push(...validateEndpoint(e, type, `endpoints[${i}]`)));
  errs.push(...validateSlicePorts(slice));
  return errs;
}

export const endpointSliceStrategy: Strategy<EndpointSlice> = {
  info: RESOURCES.find((r) => r.resource === 'endpointslices')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: true,
  hasStatusSubresource: false,
  allowUnconditionalUpdate: true,
  applyDefaults(slice) {
    slice.endpoints ??= [];
    for (const p of slice.ports ?? []) {
      p.name ??= '';
      if (!p.protocol) p.protocol = 'TCP';
    }
  },
  prepareForCreate: () => undefined,
  generationChanged(slice, old) {
    return slice.addressType !== old.addressType || !isDeepStrictEqual(slice.endpoints, old.endpoints) || !isDeepStrictEqual(slice.ports, old.ports);
  },
  validate(slice) {
    return [...validateObjectMeta(slice.metadata, true, subdomainName), ...validateSlice(slice)];
  },
  validateUpdate(slice, old) {
    return immutable('addressType', slice.addressType, old.addressType);
  },
  validateStatus: () => [],
  selectableFields: () => ({}),
};
