// Service validation after pkg/apis/core/validation/validation.go: ValidateService,
// validateServicePort, validateClientIPAffinityConfig, ValidateServiceClusterIPsRelatedFields,
// validateServiceExternalTrafficPolicy, validateServiceInternalTrafficFieldsValue,
// validateUpgradeDowngradeClusterIPs (updates) and ValidateLoadBalancerStatus (status), with
// Kubernetes' field paths and messages. On top of them, what Skiff does not implement is refused by
// name: SCTP, IPv6 and dual-stack, the `Local` traffic policies and loadBalancerIP. Requested ClusterIPs and NodePorts are checked against the ranges when they
// are allocated (allocators/service-allocator.ts), as in Kubernetes.

import { isIP } from 'node:net';
import { isDNS1123Subdomain, isQualifiedName, type FieldError, type Service, type ServicePort } from '@skiff/api';
import { validateConditions } from '../validation/conditions.js';
import { fe } from '../validation/field-errors.js';
import { validateLabels } from '../validation/meta.js';
import { validateAppProtocol, validateDNS1123Label, validateEndpointIP, validateIP, validatePortNum, validatePortNumOrName } from '../validation/network.js';
import { isHeadless, needsNodePorts } from '../allocators/service-allocator.js';

/** MaxClientIPServiceAffinitySeconds. */
export const MAX_CLIENT_IP_TIMEOUT_SECONDS = 86400;

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
/** Skiff's kube-proxy forwards TCP and UDP; Kubernetes also has SCTP. */
const PROTOCOLS = ['TCP', 'UDP'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
/** `Local` (node-local endpoints only) is not implemented by Skiff's kube-proxy. */
const TRAFFIC_POLICIES = ['Cluster'];
const LB_IP_MODES = ['Proxy', 'VIP'];
const NOT_SUPPORTED = 'not supported by Skiff';

/** NodePort, LoadBalancer, or a ClusterIP with external IPs (service.ExternallyAccessible). */
export function externallyAccessible(svc: Readonly<Service>): boolean {
  return needsNodePorts(svc) || (svc.spec?.type === 'ClusterIP' && (svc.spec.externalIPs ?? []).length > 0);
}

function validateServicePort(p: ServicePort, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !p.name) errs.push(fe.required(`${path}.name`));
  else if (p.name) {
    errs.push(...validateDNS1123Label(`${path}.name`, p.name));
    if (names.has(p.name)) errs.push(fe.duplicate(`${path}.name`, p.name));
    names.add(p.name);
  }
  errs.push(...validatePortNum(`${path}.port`, p.port ?? 0));
  if (!p.protocol) errs.push(fe.required(`${path}.protocol`));
  else if (!PROTOCOLS.includes(p.protocol)) errs.push(fe.notSupported(`${path}.protocol`, p.protocol, PROTOCOLS));
  if (p.targetPort !== undefined) errs.push(...validatePortNumOrName(`${path}.targetPort`, p.targetPort));
  errs.push(...validateAppProtocol(`${path}.appProtocol`, p.appProtocol));
  return errs;
}

function validateSessionAffinity(svc: Service): FieldError[] {
  const { sessionAffinity, sessionAffinityConfig } = svc.spec;
  const path = 'spec.sessionAffinityConfig';
  if (!sessionAffinity) return [fe.required('spec.sessionAffinity')];
  if (!SESSION_AFFINITIES.includes(sessionAffinity)) return [fe.notSupported('spec.sessionAffinity', sessionAffinity, SESSION_AFFINITIES)];
  if (sessionAffinity === 'None') return sessionAffinityConfig ? [fe.forbidden(path, 'must not be set when session affinity is None')] : [];
  const when = 'when session affinity type is ClientIP';
  if (!sessionAffinityConfig) return [fe.required(path, when)];
  if (!sessionAffinityConfig.clientIP) return [fe.required(`${path}.clientIP`, when)];
  const timeout = sessionAffinityConfig.clientIP.timeoutSeconds;
  if (timeout === undefined) return [fe.required(`${path}.clientIP.timeoutSeconds`, when)];
  if (timeout <= 0 || timeout > MAX_CLIENT_IP_TIMEOUT_SECONDS) {
    return [fe.invalid(`${path}.clientIP.timeoutSeconds`, timeout, `must be greater than 0 and less than ${MAX_CLIENT_IP_TIMEOUT_SECONDS}`)];
  }
  return [];
}

/** ValidateServiceClusterIPsRelatedFields, on a single-stack IPv4 cluster. */
function validateClusterIPs(svc: Service): FieldError[] {
  const spec = svc.spec;
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ips = spec.clusterIPs ?? [];
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(fe.required('spec.clusterIPs'));
    else if (ips[0] !== spec.clusterIP) errs.push(fe.invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length > 0) {
    errs.push(fe.invalid('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  }
  const seen = new Set<string>();
  (spec.ipFamilies ?? []).forEach((family, i) => {
    const p = `spec.ipFamilies[${i}]`;
    if (!IP_FAMILIES.includes(family)) errs.push(fe.notSupported(p, family, IP_FAMILIES));
    else if (family !== 'IPv4') errs.push(fe.invalid(p, family, 'not configured on this cluster'));
    if (seen.has(family)) errs.push(fe.duplicate(p, family));
    seen.add(family);
  });
  const policy = spec.ipFamilyPolicy;
  if (policy !== undefined && !IP_FAMILY_POLICIES.includes(policy)) errs.push(fe.notSupported('spec.ipFamilyPolicy', policy, IP_FAMILY_POLICIES));
  if (policy === 'RequireDualStack') errs.push(fe.invalid('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'));
  let badIPs = false;
  ips.forEach((ip, i) => {
    const p = `spec.clusterIPs[${i}]`;
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        badIPs = true;
        errs.push(fe.invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      }
      return;
    }
    const problems = validateIP(p, ip);
    if (problems.length === 0 && isIP(ip) === 6) problems.push(fe.invalid(p, ip, 'IPv6 is not configured on this cluster'));
    badIPs ||= problems.length > 0;
    errs.push(...problems);
  });
  if (ips.length > 2) errs.push(fe.invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  else if (ips.length === 2 && !badIPs) errs.push(fe.invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  return errs;
}

function validateByType(svc: Service): FieldError[] {
  const spec = svc.spec;
  const errs: FieldError[] = [];
  if ((spec.ports ?? []).length === 0 && !isHeadless(svc) && spec.type !== 'ExternalName') errs.push(fe.required('spec.ports'));
  if ((spec.type === 'LoadBalancer' || spec.type === 'NodePort') && isHeadless(svc)) {
    errs.push(fe.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${spec.type} services`));
  }
  if (spec.type === 'ExternalName') {
    const forbidden = 'may not be set for ExternalName services';
    if ((spec.clusterIPs ?? []).length > 0 || spec.clusterIP) errs.push(fe.forbidden('spec.clusterIPs', forbidden));
    if ((spec.ipFamilies ?? []).length > 0) errs.push(fe.forbidden('spec.ipFamilies', forbidden));
    if (spec.ipFamilyPolicy !== undefined) errs.push(fe.forbidden('spec.ipFamilyPolicy', forbidden));
    // The value is a CNAME and may end in a dot.
    const cname = (spec.externalName ?? '').replace(/\.$/, '');
    if (cname === '') errs.push(fe.required('spec.externalName'));
    else errs.push(...isDNS1123Subdomain(cname).map((m) => fe.invalid('spec.externalName', cname, m)));
  }
  if (!spec.type) errs.push(fe.required('spec.type'));
  else if (!TYPES.includes(spec.type)) errs.push(fe.notSupported('spec.type', spec.type, TYPES));
  if (spec.type === 'ClusterIP' || spec.type === 'ExternalName') {
    (spec.ports ?? []).forEach((p, i) => {
      if (p.nodePort) errs.push(fe.forbidden(`spec.ports[${i}].nodePort`, `may not be used when \`type\` is '${spec.type}'`));
    });
  }
  const lbOnly = "may only be used when `type` is 'LoadBalancer'";
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.type !== 'LoadBalancer') errs.push(fe.forbidden('spec.allocateLoadBalancerNodePorts', lbOnly));
  // validateLoadBalancerClassField: a class hands the Service to another load-balancer implementation.
  const cls = spec.loadBalancerClass;
  if (cls !== undefined && spec.type !== 'LoadBalancer') errs.push(fe.forbidden('spec.loadBalancerClass', lbOnly));
  else if (cls !== undefined) errs.push(...isQualifiedName(cls).map((m) => fe.invalid('spec.loadBalancerClass', cls, m)));
  return errs;
}

/** Duplicate NodePorts and ports, each keyed by (protocol, number). */
function validateUniquePorts(svc: Service): FieldError[] {
  const errs: FieldError[] = [];
  const nodePorts = new Set<string>();
  const ports = new Set<string>();
  (svc.spec.ports ?? []).forEach((p, i) => {
    if (p.nodePort) {
      const key = `${p.protocol ?? ''}/${p.nodePort}`;
      if (nodePorts.has(key)) errs.push(fe.duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
      nodePorts.add(key);
    }
    const key = `${p.protocol ?? ''}/${p.port}`;
    if (ports.has(key)) errs.push(fe.duplicate(`spec.ports[${i}]`, { port: p.port, protocol: p.protocol }));
    ports.add(key);
  });
  return errs;
}

function validateTrafficPolicies(svc: Service): FieldError[] {
  const spec = svc.spec;
  const errs: FieldError[] = [];
  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible(svc)) {
    if (etp) errs.push(fe.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(fe.required('spec.externalTrafficPolicy'));
  else if (!TRAFFIC_POLICIES.includes(etp)) errs.push(fe.notSupported('spec.externalTrafficPolicy', etp, TRAFFIC_POLICIES));
  const itp = spec.internalTrafficPolicy;
  if (itp === undefined) {
    if (spec.type !== 'ExternalName') errs.push(fe.required('spec.internalTrafficPolicy'));
  } else if (!TRAFFIC_POLICIES.includes(itp)) errs.push(fe.notSupported('spec.internalTrafficPolicy', itp, TRAFFIC_POLICIES));
  return errs;
}

/** externalIPs (IPv4, not loopback, link-local or unspecified); loadBalancerIP, which Skiff refuses rather than ignores. */
function validateExternalAddresses(svc: Service): FieldError[] {
  const spec = svc.spec;
  const errs = (spec.externalIPs ?? []).flatMap((ip, i) => validateEndpointIP(`spec.externalIPs[${i}]`, ip));
  if (spec.loadBalancerIP) errs.push(fe.forbidden('spec.loadBalancerIP', NOT_SUPPORTED));
  return errs;
}

/** ValidateService, after defaults. */
export function validateServiceSpec(svc: Service): FieldError[] {
  const spec = svc.spec;
  if (!spec) return [fe.required('spec')];
  const names = new Set<string>();
  const ports = spec.ports ?? [];
  return [
    ...validateByType(svc),
    ...ports.flatMap((p, i) => validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`)),
    ...(spec.selector ? validateLabels(spec.selector, 'spec.selector') : []),
    ...validateSessionAffinity(svc),
    ...validateClusterIPs(svc),
    ...validateExternalAddresses(svc),
    ...validateUniquePorts(svc),
    ...validateTrafficPolicies(svc),
  ];
}

/** validateUpgradeDowngradeClusterIPs and the update half of validateLoadBalancerClassField. */
export function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs = validateClusterIPsUpdate(svc, old);
  if (svc.spec.type === 'LoadBalancer' && old.spec.type === 'LoadBalancer' && svc.spec.loadBalancerClass !== old.spec.loadBalancerClass) {
    errs.push(fe.invalid('spec.loadBalancerClass', svc.spec.loadBalancerClass ?? null, 'may not change once set'));
  }
  return errs;
}

/** A ClusterIP never changes, except to or from ExternalName. */
function validateClusterIPsUpdate(svc: Service, old: Service): FieldError[] {
  if (svc.spec.type === 'ExternalName' || old.spec.type === 'ExternalName') return [];
  if (isHeadless(svc) && isHeadless(old)) return [];
  const next = svc.spec.clusterIPs ?? [];
  const prev = old.spec.clusterIPs ?? [];
  const changed = (i: number) => fe.invalid(`spec.clusterIPs[${i}]`, next, 'may not change once set');
  if (next.length === prev.length) return prev.flatMap((ip, i) => (ip === next[i] ? [] : [changed(i)]));
  if (next.length === 0) return [fe.invalid('spec.clusterIPs[0]', next, 'primary clusterIP can not be unset')];
  return prev.length > 0 && next[0] !== prev[0] ? [changed(0)] : [];
}

/** ValidateLoadBalancerStatus, and conditions. */
export function validateServiceStatus(svc: Service): FieldError[] {
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  const errs: FieldError[] = [];
  if (ingress.length > 0 && svc.spec?.type !== 'LoadBalancer') {
    errs.push(fe.forbidden('status.loadBalancer.ingress', "may only be used when `spec.type` is 'LoadBalancer'"));
  }
  ingress.forEach((ing, i) => {
    const p = `status.loadBalancer.ingress[${i}]`;
    if (ing.ip && isIP(ing.ip) === 0) errs.push(fe.invalid(`${p}.ip`, ing.ip, 'must be a valid IP address'));
    if (ing.hostname) {
      errs.push(...isDNS1123Subdomain(ing.hostname).map((m) => fe.invalid(`${p}.hostname`, ing.hostname, m)));
      if (isIP(ing.hostname) !== 0) errs.push(fe.invalid(`${p}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
    if (ing.ipMode !== undefined) {
      if (!ing.ip) errs.push(fe.forbidden(`${p}.ipMode`, 'may not be specified when `ip` is not set'));
      else if (!LB_IP_MODES.includes(ing.ipMode)) errs.push(fe.notSupported(`${p}.ipMode`, ing.ipMode, LB_IP_MODES));
    }
    (ing.ports ?? []).forEach((port, j) => {
      errs.push(...validatePortNum(`${p}.ports[${j}].port`, port.port ?? 0));
      if (!port.protocol) errs.push(fe.required(`${p}.ports[${j}].protocol`));
      else if (!PROTOCOLS.includes(port.protocol)) errs.push(fe.notSupported(`${p}.ports[${j}].protocol`, port.protocol, PROTOCOLS));
    });
  });
  errs.push(...validateConditions(svc.status?.conditions, 'status.conditions'));
  return errs;
}
