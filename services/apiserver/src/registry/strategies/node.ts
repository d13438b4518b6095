// Nodes (pkg/registry/core/node): cluster-scoped, status kept on create (the kubelet registers
// its node with capacity and addresses), taints validated.

import { type FieldError, isQualifiedName, isValidLabelValue, type Node, parseQuantity, type ResourceList, RESOURCES } from '@skiff/api';
import { S } from '../schema.js';
import { conditionSchema, kindSchema, resourceListSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';
import { validateConditions } from '../validation/conditions.js';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
/** Kubernetes' NodeSystemInfo requires every one of its fields. */
const NODE_INFO_FIELDS = ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture'];
const ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'Hostname'];
const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/;

const schema = kindSchema({
  spec: S.object({
    podCIDR: S.string,
    podCIDRs: S.array(S.string),
    unschedulable: S.boolean,
    taints: S.array(S.object({ key: S.string, value: S.string, effect: S.string, timeAdded: S.string }, { required: ['key', 'effect'] })),
  }),
  status: S.object({
    capacity: resourceListSchema,
    allocatable: resourceListSchema,
    conditions: S.array(conditionSchema),
    addresses: S.array(S.object({ type: S.string, address: S.string }, { required: ['type', 'address'] })),
    daemonEndpoints: S.object({ kubeletEndpoint: S.object({ Port: S.integer }, { required: ['Port'] }) }),
    nodeInfo: S.object({
      kubeletVersion: S.string,
      containerRuntimeVersion: S.string,
      operatingSystem: S.string,
      architecture: S.string,
      osImage: S.string,
      kernelVersion: S.string,
      machineID: S.string,
      systemUUID: S.string,
      bootID: S.string,
      kubeProxyVersion: S.string,
    }, { required: NODE_INFO_FIELDS }),
  }),
});

function validateResources(list: ResourceList | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, raw] of Object.entries(list ?? {})) {
    const q = parseQuantity(raw);
    if (q === undefined) errs.push(fe.invalid(`${field}[${name}]`, raw, 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\''));
    else if (q < 0) errs.push(fe.invalid(`${field}[${name}]`, raw, 'must be greater than or equal to 0'));
  }
  return errs;
}

function normalize(list: ResourceList | undefined): void {
  for (const [k, v] of Object.entries(list ?? {})) if (typeof v === 'number' && list) list[k] = String(v);
}

export const nodeStrategy: Strategy<Node> = {
  info: RESOURCES.find((r) => r.resource === 'nodes')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: true,
  hasStatusSubresource: true,
  applyDefaults(node) {
    normalize(node.status?.capacity);
    normalize(node.status?.allocatable);
  },
  prepareForCreate() {},
  validate(node) {
    const errs = validateObjectMeta(node.metadata, false, subdomainName);
    const seen = new Set<string>();
    (node.spec?.taints ?? []).forEach((t, i) => {
      const p = `spec.taints[${i}]`;
      if (!t.key) errs.push(fe.required(`${p}.key`));
      else for (const m of isQualifiedName(t.key)) errs.push(fe.invalid(`${p}.key`, t.key, m));
      if (t.value) for (const m of isValidLabelValue(t.value)) errs.push(fe.invalid(`${p}.value`, t.value, m));
      if (!t.effect) errs.push(fe.required(`${p}.effect`));
      else if (!EFFECTS.includes(t.effect)) errs.push(fe.notSupported(`${p}.effect`, t.effect, EFFECTS));
      const id = `${t.key}:${t.effect}`;
      if (seen.has(id)) errs.push(fe.duplicate(`spec.taints`, { key: t.key, effect: t.effect }));
      seen.add(id);
    });
    const cidrs = [...(node.spec?.podCIDR ? [node.spec.podCIDR] : []), ...(node.spec?.podCIDRs ?? [])];
    for (const c of cidrs) if (!CIDR.test(c)) errs.push(fe.invalid('spec.podCIDRs', c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
    return errs;
  },
  validateUpdate(node, old) {
    const prev = old.spec?.podCIDR;
    if (prev && node.spec?.podCIDR !== prev) {
      return [fe.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid')];
    }
    return [];
  },
  validateStatus(node) {
    const errs = [...validateResources(node.status?.capacity, 'status.capacity'), ...validateResources(node.status?.allocatable, 'status.allocatable')];
    (node.status?.addresses ?? []).forEach((a, i) => {
      if (!ADDRESS_TYPES.includes(a.type)) errs.push(fe.notSupported(`status.addresses[${i}].type`, a.type, ADDRESS_TYPES));
      if (!a.address) errs.push(fe.required(`status.addresses[${i}].address`));
    });
    errs.push(...validateConditions(node.status?.conditions, 'status.conditions'));
    return errs;
  },
  selectableFields(node) {
    return { 'spec.unschedulable': String(node.spec?.unschedulable ?? false) };
  },
};
