// Kubernetes' OpenAPI names for the types inside Skiff's schemas. Kubernetes names each Go struct
// `io.k8s.api.<group>.<version>.<Type>` (k8s.io/api/<group>/<version>/types.go) and
// `io.k8s.apimachinery.pkg.apis.meta.v1.<Type>` for the shared meta types. Skiff's Schema values
// carry no names, but the same value is shared wherever Kubernetes shares a struct (the pod spec
// in a Pod, a ReplicaSet's and a Deployment's template; ObjectMeta everywhere), so names are given
// by identity: found once at a path inside a kind's schema, referenced by `$ref` wherever the same
// value appears again.

import type { ResourceInfo } from '@skiff/api';
import { labelSelectorSchema, objectMetaSchema } from '../../registry/meta-schema.js';
import type { Schema } from '../../registry/schema.js';

export const META_V1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** `io.k8s.api.core.v1`, `io.k8s.api.apps.v1`, `io.k8s.api.networking.v1` for a group and version. */
export function packageOf(group: string, version: string): string {
  const g = group === '' ? 'core' : (group.split('.')[0] ?? group);
  return `io.k8s.api.${g}.${version}`;
}

export function definitionName(info: Pick<ResourceInfo, 'group' | 'version' | 'kind'>): string {
  return `${packageOf(info.group, info.version)}.${info.kind}`;
}

/** The schema at a dotted path (`spec.containers[]`: `[]` steps into array items, `{}` into map values). */
export function schemaAt(schema: Schema, path: string): Schema | undefined {
  let cur: Schema | undefined = schema;
  for (const step of path.split('.')) {
    if (cur === undefined) return undefined;
    const name = step.replace(/(\[\]|\{\})+$/, '');
    if (name !== '') cur = cur.type === 'object' ? cur.fields[name] : undefined;
    for (const suffix of step.slice(name.length).match(/\[\]|\{\}/g) ?? []) {
      if (cur === undefined) return undefined;
      cur = suffix === '[]' ? (cur.type === 'array' ? cur.items : undefined) : cur.type === 'map' ? cur.values : undefined;
    }
  }
  return cur;
}

/** Struct names inside a kind's schema, by path, beyond `spec`/`status` (named <Kind>Spec/<Kind>Status). */
const NAMED_PATHS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Pod: {
    'spec.containers[]': 'Container',
    'spec.volumes[]': 'Volume',
    'spec.tolerations[]': 'Toleration',
    'spec.containers[].ports[]': 'ContainerPort',
    'spec.containers[].env[]': 'EnvVar',
    'spec.containers[].env[].valueFrom': 'EnvVarSource',
    'spec.containers[].envFrom[]': 'EnvFromSource',
    'spec.containers[].resources': 'ResourceRequirements',
    'spec.containers[].volumeMounts[]': 'VolumeMount',
    'spec.containers[].livenessProbe': 'Probe',
    'spec.containers[].lifecycle': 'Lifecycle',
    'spec.containers[].lifecycle.postStart': 'LifecycleHandler',
    'spec.containers[].livenessProbe.httpGet': 'HTTPGetAction',
    'spec.containers[].livenessProbe.exec': 'ExecAction',
    'spec.containers[].livenessProbe.tcpSocket': 'TCPSocketAction',
    'status.containerStatuses[]': 'ContainerStatus',
    'status.containerStatuses[].state': 'ContainerState',
  },
  ReplicaSet: { 'spec.template': 'PodTemplateSpec' },
  Deployment: { 'spec.strategy': 'DeploymentStrategy', 'spec.strategy.rollingUpdate': 'RollingUpdateDeployment' },
  Service: { 'spec.ports[]': 'ServicePort' },
  Endpoints: { 'subsets[]': 'EndpointSubset', 'subsets[].addresses[]': 'EndpointAddress', 'subsets[].ports[]': 'EndpointPort' },
  EndpointSlice: { 'endpoints[]': 'Endpoint', 'ports[]': 'EndpointPort', 'endpoints[].conditions': 'EndpointConditions' },
  Ingress: { 'spec.rules[]': 'IngressRule', 'spec.defaultBackend': 'IngressBackend', 'spec.tls[]': 'IngressTLS' },
  LimitRange: { 'spec.limits[]': 'LimitRangeItem' },
  // core/v1 Event; events.k8s.io/v1 Event shares the same reference and source values (rest/events-v1.ts).
  Event: { involvedObject: 'ObjectReference', related: 'ObjectReference', source: 'EventSource', series: 'EventSeries' },
};

/** Types that live in core/v1 whichever kind holds them. */
const CORE_TYPES = new Set(['PodTemplateSpec', 'ObjectReference', 'EventSource']);

/** The named struct types found in the kinds' schemas, by schema identity. */
export function namedTypes(kinds: readonly { info: ResourceInfo; schema: Schema }[]): Map<Schema, string> {
  const names = new Map<Schema, string>();
  const taken = new Set<string>();
  const add = (schema: Schema | undefined, name: string): void => {
    if (schema === undefined || schema.type !== 'object' || names.has(schema) || taken.has(name)) return;
    names.set(schema, name);
    taken.add(name);
  };
  add(objectMetaSchema, `${META_V1}.ObjectMeta`);
  add(labelSelectorSchema, `${META_V1}.LabelSelector`);
  add(schemaAt(objectMetaSchema, 'ownerReferences[]'), `${META_V1}.OwnerReference`);
  for (const { info, schema } of kinds) {
    const pkg = packageOf(info.group, info.version);
    add(schema, `${pkg}.${info.kind}`);
    for (const [path, type] of Object.entries(NAMED_PATHS[info.kind] ?? {})) {
      const typePkg = CORE_TYPES.has(type) ? packageOf('', 'v1') : pkg;
      add(schemaAt(schema, path), `${typePkg}.${type}`);
    }
    add(schemaAt(schema, 'spec'), `${pkg}.${info.kind}Spec`);
    add(schemaAt(schema, 'status'), `${pkg}.${info.kind}Status`);
  }
  return names;
}
