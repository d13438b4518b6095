// v1 Endpoints (pkg/registry/core/endpoint; validation after pkg/apis/core/validation
// ValidateEndpoints, validateEndpointSubsets, validateEndpointAddress, validateEndpointPort;
// defaults after SetDefaults_EndpointPort). Written by the endpoints controller for Services with
// a selector, and by hand (or by the cluster DNS) for selector-less ones.

import { RESOURCES, type EndpointAddress, type EndpointPort, type Endpoints, type FieldError } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema, objectReferenceSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';
import { validateAppProtocol, validateDNS1123Label, validateDNS1123Subdomain, validateEndpointIP, validatePortNum } from '../validation/network.js';

/** Skiff's kube-proxy forwards TCP and UDP. */
export const ENDPOINT_PROTOCOLS = ['TCP', 'UDP'];

const addressSchema = S.object({ ip: S.string, hostname: S.string, nodeName: S.string, targetRef: objectReferenceSchema }, { required: ['ip'] });

const schema = kindSchema({
  subsets: S.array(
    S.object({
      addresses: S.array(addressSchema),
      notReadyAddresses: S.array(addressSchema),
      ports: S.array(S.object({ name: S.string, port: S.integer, protocol: S.string, appProtocol: S.string }, { required: ['port'] })),
    }),
  ),
});

function validateAddress(a: EndpointAddress, path: string): FieldError[] {
  const errs = validateEndpointIP(`${path}.ip`, a.ip ?? '');
  if (a.hostname) errs.push(...validateDNS1123Label(`${path}.hostname`, a.hostname));
  if (a.nodeName !== undefined) errs.push(...validateDNS1123Subdomain(`${path}.nodeName`, a.nodeName));
  return errs;
}

/** The protocol (TCP or UDP) and appProtocol of an Endpoints or EndpointSlice port. */
export function validateEndpointProtocol(p: { protocol?: string; appProtocol?: string }, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!p.protocol) errs.push(fe.required(`${path}.protocol`));
  else if (!ENDPOINT_PROTOCOLS.includes(p.protocol)) errs.push(fe.notSupported(`${path}.protocol`, p.protocol, ENDPOINT_PROTOCOLS));
  errs.push(...validateAppProtocol(`${path}.appProtocol`, p.appProtocol));
  return errs;
}

/** validateEndpointPort: the name is required when there are several. */
function validateEndpointPort(p: EndpointPort, requireName: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p.name) errs.push(fe.required(`${path}.name`));
  else if (p.name) errs.push(...validateDNS1123Label(`${path}.name`, p.name));
  errs.push(...validatePortNum(`${path}.port`, p.port ?? 0));
  errs.push(...validateEndpointProtocol(p, path));
  return errs;
}

function validateSubsets(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss, i) => {
    const path = `subsets[${i}]`;
    if ((ss.addresses ?? []).length === 0 && (ss.notReadyAddresses ?? []).length === 0) {
      errs.push(fe.required(path, 'must specify `addresses` or `notReadyAddresses`'));
    }
    (ss.addresses ?? []).forEach((a, j) => errs.push(...validateAddress(a, `${path}.addresses[${j}]`)));
    (ss.notReadyAddresses ?? []).forEach((a, j) => errs.push(...validateAddress(a, `${path}.notReadyAddresses[${j}]`)));
    const ports = ss.ports ?? [];
    ports.forEach((p, j) => errs.push(...validateEndpointPort(p, ports.length > 1, `${path}.ports[${j}]`)));
  });
  return errs;
}

export const endpointsStrategy: Strategy<Endpoints> = {
  info: RESOURCES.find((r) => r.resource === 'endpoints')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: false,
  hasStatusSubresource: false,
  allowUnconditionalUpdate: true,
  applyDefaults(ep) {
    for (const ss of ep.subsets ?? []) for (const p of ss.ports ?? []) if (!p.protocol) p.protocol = 'TCP';
  },
  prepareForCreate: () => undefined,
  validate(ep) {
    return [...validateObjectMeta(ep.metadata, true, subdomainName), ...validateSubsets(ep)];
  },
  validateUpdate: () => [],
  validateStatus: () => [],
  selectableFields: () => ({}),
};
