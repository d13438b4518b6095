// networking.k8s.io/v1 Ingresses (pkg/registry/networking/ingress/strategy.go; validation after
// pkg/apis/networking/validation ValidateIngressCreate, ValidateIngressSpec, validateIngressRules,
// validateHTTPIngressPath, validateIngressBackend, validateIngressTLS,
// ValidateIngressLoadBalancerStatus). Skiff's ingress controller proxies to Services, so `resource`
// backends are refused by name; it serves ImplementationSpecific paths as Prefix and reports `tls`
// with a Warning event (it serves plain HTTP). Status (status.loadBalancer, written by the
// controller) is a subresource.

import { isIP } from 'node:net';
import { isDNS1123Subdomain, isValidPortName, RESOURCES, type FieldError, type HTTPIngressPath, type Ingress, type IngressBackend, type IngressRule, type IngressSpec } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';
import { isDNS1035Label, isWildcardDNS1123Subdomain, validatePortNum } from '../validation/network.js';

/** The legacy annotation naming an Ingress's class. */
const ANNOTATION_INGRESS_CLASS = 'kubernetes.io/ingress.class';
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const NOT_SUPPORTED = "not supported by Skiff's ingress controller";

const backendSchema = S.object({
  service: S.object({ name: S.string, port: S.object({ name: S.string, number: S.integer }) }, { required: ['name'] }),
  resource: S.object({ apiGroup: S.string, kind: S.string, name: S.string }, { required: ['kind', 'name'] }),
});

const schema = kindSchema({
  spec: S.object({
    ingressClassName: S.string,
    defaultBackend: backendSchema,
    tls: S.array(S.object({ hosts: S.array(S.string), secretName: S.string })),
    rules: S.array(
      S.object({
        host: S.string,
        http: S.object({ paths: S.array(S.object({ path: S.string, pathType: S.string, backend: backendSchema }, { required: ['pathType', 'backend'] })) }, { required: ['paths'] }),
      }),
    ),
  }),
  status: S.object({
    loadBalancer: S.object({
      ingress: S.array(S.object({ ip: S.string, hostname: S.string, ports: S.array(S.object({ port: S.integer, protocol: S.string, error: S.string }, { required: ['port', 'protocol'] })) })),
    }),
  }),
});

function validateBackend(b: IngressBackend, path: string): FieldError[] {
  if (b.resource) return [fe.forbidden(`${path}.resource`, `${NOT_SUPPORTED}: use a service backend`)];
  if (!b.service) return [fe.invalid(path, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const { name, port } = b.service;
  if (!name) errs.push(fe.required(`${path}.service.name`));
  else errs.push(...isDNS1035Label(name).map((m) => fe.invalid(`${path}.service.name`, name, m)));
  const portName = port?.name ?? '';
  const portNumber = port?.number ?? 0;
  if (portName && portNumber) errs.push(fe.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) errs.push(...isValidPortName(portName).map((m) => fe.invalid(`${path}.service.port.name`, portName, m)));
  else if (portNumber) errs.push(...validatePortNum(`${path}.service.port.number`, portNumber));
  else errs.push(fe.required(path, 'port name or number is required'));
  return errs;
}

function validatePath(p: HTTPIngressPath, path: string): FieldError[] {
  if (!p.pathType) return [fe.required(`${path}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const value = p.path ?? '';
  if (!PATH_TYPES.includes(p.pathType)) errs.push(fe.notSupported(`${path}.pathType`, p.pathType, PATH_TYPES));
  else if (p.pathType === 'ImplementationSpecific') {
    if (value !== '' && !value.startsWith('/')) errs.push(fe.invalid(`${path}.path`, value, 'must be an absolute path'));
  } else {
    if (!value.startsWith('/')) errs.push(fe.invalid(`${path}.path`, value, 'must be an absolute path'));
    for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(fe.invalid(`${path}.path`, value, `must not contain '${seq}'`));
    for (const suffix of INVALID_PATH_SUFFIXES) if (value.endsWith(suffix)) errs.push(fe.invalid(`${path}.path`, value, `cannot end with '${suffix}'`));
  }
  errs.push(...validateBackend(p.backend ?? {}, `${path}.backend`));
  return errs;
}

/** A host name, exact or with `*.` as its whole first label. */
function hostProblems(host: string): string[] {
  return host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
}

/** validateIngressTLS: hosts as rules' hosts, secretName a Secret's name. */
function validateTLS(tls: NonNullable<IngressSpec['tls']>): FieldError[] {
  return tls.flatMap((t, i) => [
    ...(t.hosts ?? []).flatMap((host, j) => hostProblems(host).map((m) => fe.invalid(`spec.tls[${i}].hosts[${j}]`, host, m))),
    ...(t.secretName ? isDNS1123Subdomain(t.secretName).map((m) => fe.invalid(`spec.tls[${i}].secretName`, t.secretName, m)) : []),
  ]);
}

/** A rule's host: a DNS name, exact or with `*.` as its whole first label; never an IP. */
function validateRule(rule: IngressRule, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const host = rule.host ?? '';
  if (host) {
    if (isIP(host) !== 0) errs.push(fe.invalid(`${path}.host`, host, 'must be a DNS name, not an IP address'));
    errs.push(...hostProblems(host).map((m) => fe.invalid(`${path}.host`, host, m)));
  }
  if (rule.http) {
    const paths = rule.http.paths ?? [];
    if (paths.length === 0) errs.push(fe.required(`${path}.http.paths`));
    paths.forEach((p, i) => errs.push(...validatePath(p, `${path}.http.paths[${i}]`)));
  }
  return errs;
}

function validateSpec(ing: Ingress): FieldError[] {
  const spec = ing.spec;
  if (!spec) return [fe.required('spec')];
  const errs: FieldError[] = [];
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) errs.push(fe.invalid('spec', rules, 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((r, i) => errs.push(...validateRule(r, `spec.rules[${i}]`)));
  errs.push(...validateTLS(spec.tls ?? []));
  const cls = spec.ingressClassName;
  if (cls !== undefined) errs.push(...isDNS1123Subdomain(cls).map((m) => fe.invalid('spec.ingressClassName', cls, m)));
  return errs;
}

function validateStatus(ing: Ingress): FieldError[] {
  const errs: FieldError[] = [];
  (ing.status?.loadBalancer?.ingress ?? []).forEach((lb, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    if (lb.ip && isIP(lb.ip) === 0) errs.push(fe.invalid(`${p}.ip`, lb.ip, 'must be a valid IP address'));
    if (lb.hostname) {
      errs.push(...isDNS1123Subdomain(lb.hostname).map((m) => fe.invalid(`${p}.hostname`, lb.hostname, m)));
      if (isIP(lb.hostname) !== 0) errs.push(fe.invalid(`${p}.hostname`, lb.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

export const ingressStrategy: Strategy<Ingress> = {
  info: RESOURCES.find((r) => r.resource === 'ingresses')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: true,
  hasStatusSubresource: true,
  allowUnconditionalUpdate: true,
  applyDefaults(ing) {
    ing.spec ??= {};
  },
  prepareForCreate(ing) {
    ing.status = { loadBalancer: {} };
  },
  validate(ing) {
    const errs = [...validateObjectMeta(ing.metadata, true, subdomainName), ...validateSpec(ing)];
    const annotated = ing.metadata.annotations?.[ANNOTATION_INGRESS_CLASS];
    const cls = ing.spec?.ingressClassName;
    if (annotated !== undefined && cls !== undefined && annotated !== cls) {
      errs.push(fe.invalid(`annotations.${ANNOTATION_INGRESS_CLASS}`, annotated, 'must match `ingressClassName` when both are specified'));
    }
    return errs;
  },
  validateUpdate: () => [],
  validateStatus: (ing) => validateStatus(ing),
  selectableFields: () => ({}),
};
