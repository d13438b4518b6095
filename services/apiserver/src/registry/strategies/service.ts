// v1 Services (pkg/registry/core/service/strategy.go; defaults from pkg/apis/core/v1/defaults.go
// SetDefaults_Service; validation in service-validation.ts). ClusterIPs and NodePorts are taken
// from the configured ranges by the write hooks (allocators/service-allocator.ts) right before
// the object is stored, and given back when it goes. Updates keep what was allocated when a client
// resubmits the object without it (patchAllocatedValues, NormalizeClusterIPs) and drop what a new
// type no longer uses (dropTypeDependentFields), so `apply` of the same manifest and type changes
// work as in Kubernetes. Status (status.loadBalancer) is a subresource.

import { isDeepStrictEqual } from 'node:util';
import { DEFAULT_CLIENT_IP_TIMEOUT_SECONDS, RESOURCES, type Service, type ServiceSpec } from '@skiff/api';
import { S } from '../schema.js';
import { conditionSchema, kindSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { validateObjectMeta, type NameValidator } from '../validation/meta.js';
import { isDNS1035Label } from '../validation/network.js';
import { heldNodePorts, needsClusterIP, needsNodePorts } from '../allocators/service-allocator.js';
import { serviceWriteHooks } from '../allocators/service-write-hooks.js';
import { externallyAccessible, validateServiceSpec, validateServiceStatus, validateServiceUpdate } from './service-validation.js';

const protocol = S.string;

const schema = kindSchema({
  spec: S.object({
    type: S.string,
    selector: S.map(S.string),
    ports: S.array(S.object({ name: S.string, protocol, port: S.integer, targetPort: S.intOrString, nodePort: S.integer, appProtocol: S.string }, { required: ['port'] })),
    clusterIP: S.string,
    clusterIPs: S.array(S.string),
    externalName: S.string,
    externalIPs: S.array(S.string),
    sessionAffinity: S.string,
    sessionAffinityConfig: S.object({ clientIP: S.object({ timeoutSeconds: S.integer }) }),
    externalTrafficPolicy: S.string,
    internalTrafficPolicy: S.string,
    publishNotReadyAddresses: S.boolean,
    ipFamilies: S.array(S.string),
    ipFamilyPolicy: S.string,
    allocateLoadBalancerNodePorts: S.boolean,
    loadBalancerIP: S.string,
    loadBalancerClass: S.string,
  }),
  status: S.object({
    loadBalancer: S.object({
      ingress: S.array(S.object({ ip: S.string, hostname: S.string, ipMode: S.string, ports: S.array(S.object({ port: S.integer, protocol, error: S.string }, { required: ['port', 'protocol'] })) })),
    }),
    conditions: S.array(conditionSchema),
  }),
});

/** ValidateServiceName: a DNS-1035 label (it becomes a DNS name and environment variable prefix). */
export const serviceName: NameValidator = isDNS1035Label;

/** SetDefaults_Service, plus the IP family fields the allocator fills in Kubernetes and clusterIPs ↔ clusterIP. */
function applyServiceDefaults(svc: Service): void {
  svc.spec ??= {};
  const spec = svc.spec;
  if (!spec.type) spec.type = 'ClusterIP';
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds === undefined) {
    spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_TIMEOUT_SECONDS } };
  }
  for (const p of spec.ports ?? []) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(svc) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && spec.type !== 'ExternalName') spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (needsClusterIP(svc)) {
    spec.ipFamilyPolicy ??= 'SingleStack';
    if ((spec.ipFamilies ?? []).length === 0) spec.ipFamilies = ['IPv4'];
  }
  const first = spec.clusterIPs?.[0];
  if (spec.clusterIP && (spec.clusterIPs ?? []).length === 0) spec.clusterIPs = [spec.clusterIP];
  else if (!spec.clusterIP && first) spec.clusterIP = first;
  // LoadBalancerIPMode: an ingress point with an IP is a VIP unless it says otherwise.
  if (spec.type === 'LoadBalancer') for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (ing.ip && !ing.ipMode) ing.ipMode = 'VIP';
}

/** patchAllocatedValues: what the server allocated stays when a client resubmits the object without it. */
function patchAllocatedValues(svc: Service, old: Service): void {
  const next = svc.spec;
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!next.clusterIP && old.spec.clusterIP) next.clusterIP = old.spec.clusterIP;
    if ((next.clusterIPs ?? []).length === 0 && old.spec.clusterIPs) next.clusterIPs = old.spec.clusterIPs;
  }
  if (needsNodePorts(old) && needsNodePorts(svc)) {
    // By port name: the user may have changed other properties of the port.
    const byName = new Map((old.spec.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
    for (const p of next.ports ?? []) if (!p.nodePort && byName.get(p.name ?? '')) p.nodePort = byName.get(p.name ?? '')!;
  }
}

/** NormalizeClusterIPs for an update: keep clusterIP and clusterIPs in step with what the client meant. */
function normalizeClusterIPs(next: ServiceSpec, old: ServiceSpec): void {
  const oldIPs = old.clusterIPs ?? [];
  if (oldIPs.length > 0 && (next.clusterIPs ?? []).length === 0 && (old.clusterIP ?? '') === (next.clusterIP ?? '')) next.clusterIPs = oldIPs;
  if ((old.clusterIP ?? '') === (next.clusterIP ?? '')) return;
  const sameList = isDeepStrictEqual(oldIPs, next.clusterIPs ?? []);
  if (old.clusterIP && !next.clusterIP) {
    if (sameList) delete next.clusterIPs;
  } else if (sameList && next.clusterIP) next.clusterIPs = [next.clusterIP];
}

/** dropTypeDependentFields: a type change wipes what the old type used, unless the client changed it too. */
function dropTypeDependentFields(svc: Service, old: Service): void {
  const next = svc.spec;
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if ((next.clusterIP ?? '') === (old.spec.clusterIP ?? '') && isDeepStrictEqual(next.clusterIPs ?? [], old.spec.clusterIPs ?? [])) {
      delete next.clusterIP;
      delete next.clusterIPs;
    }
    if (isDeepStrictEqual(next.ipFamilies, old.spec.ipFamilies)) delete next.ipFamilies;
    if (next.ipFamilyPolicy === old.spec.ipFamilyPolicy) delete next.ipFamilyPolicy;
  }
  const oldNodePorts = heldNodePorts(old);
  if (needsNodePorts(old) && !needsNodePorts(svc) && (next.ports ?? []).every((p) => !p.nodePort || oldNodePorts.has(p.nodePort))) {
    for (const p of next.ports ?? []) delete p.nodePort;
  }
  if (old.spec.type === 'LoadBalancer' && next.type !== 'LoadBalancer' && next.allocateLoadBalancerNodePorts === old.spec.allocateLoadBalancerNodePorts) {
    delete next.allocateLoadBalancerNodePorts;
  }
  if (old.spec.type === 'LoadBalancer' && next.type !== 'LoadBalancer' && next.loadBalancerClass === old.spec.loadBalancerClass) delete next.loadBalancerClass;
  if (externallyAccessible(old) && !externallyAccessible(svc) && next.externalTrafficPolicy === old.spec.externalTrafficPolicy) {
    delete next.externalTrafficPolicy;
  }
}

export const serviceStrategy: Strategy<Service> = {
  info: RESOURCES.find((r) => r.resource === 'services')!,
  schema,
  nameValidator: serviceName,
  tracksGeneration: false,
  hasStatusSubresource: true,
  allowUnconditionalUpdate: true,
  applyDefaults: applyServiceDefaults,
  prepareForCreate(svc) {
    svc.status = { loadBalancer: {} };
  },
  prepareForUpdate(svc, old) {
    svc.spec ??= {};
    // Type-dependent decisions look at the type the object has once defaulted.
    if (!svc.spec.type) svc.spec.type = 'ClusterIP';
    patchAllocatedValues(svc, old);
    normalizeClusterIPs(svc.spec, old.spec);
    dropTypeDependentFields(svc, old);
  },
  validate(svc) {
    return [...validateObjectMeta(svc.metadata, true, serviceName), ...validateServiceSpec(svc)];
  },
  validateUpdate: validateServiceUpdate,
  validateStatus: (svc) => validateServiceStatus(svc),
  selectableFields: (svc) => ({ 'spec.clusterIP': svc.spec?.clusterIP ?? '', 'spec.type': svc.spec?.type ?? '' }),
  writeHooks: serviceWriteHooks,
};
