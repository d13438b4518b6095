// ResourceQuotas (pkg/apis/core/validation ValidateResourceQuota): `spec.hard` names standard quota
// resources (or `count/<resource>.<group>` and other qualified names) with non-negative quantities,
// whole numbers for object counts. `status.hard` and `status.used` are kept by the ResourceQuota
// admission plugin (src/admission), as Skiff has no quota controller.

import { type FieldError, isQualifiedName, type ResourceList, type ResourceQuota, RESOURCES } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema, resourceListSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';
import { nonNegativeQuantity, normalizeQuantities } from '../validation/quantity.js';

/** helper.IsStandardQuotaResourceName. */
const STANDARD_QUOTA_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
]);

/** Quota resources that count objects: their quantities must be whole numbers (IsIntegerResourceName). */
export function isCountResource(name: string): boolean {
  return name.startsWith('count/') || ['pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims', 'services.nodeports', 'services.loadbalancers'].includes(name);
}

const schema = kindSchema({
  spec: S.object({ hard: resourceListSchema }),
  status: S.object({ hard: resourceListSchema, used: resourceListSchema }),
});

function validateList(list: ResourceList | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, raw] of Object.entries(list ?? {})) {
    const p = `${path}[${name}]`;
    const nameErrs = isQualifiedName(name).map((m) => fe.invalid(p, name, m));
    if (nameErrs.length === 0 && !name.includes('/') && !STANDARD_QUOTA_RESOURCES.has(name)) nameErrs.push(fe.invalid(p, name, 'must be a standard resource for quota'));
    errs.push(...nameErrs);
    const q = nonNegativeQuantity(p, raw);
    errs.push(...q.errors);
    if (q.value !== undefined && isCountResource(name) && !Number.isInteger(q.value)) errs.push(fe.invalid(p, raw, 'must be an integer'));
  }
  return errs;
}


export const resourceQuotaStrategy: Strategy<ResourceQuota> = {
  info: RESOURCES.find((r) => r.resource === 'resourcequotas')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: false,
  hasStatusSubresource: true,
  allowUnconditionalUpdate: true,
  applyDefaults(q) {
    if (q.spec && typeof q.spec === 'object') normalizeQuantities(q.spec.hard);
    else q.spec = {};
    normalizeQuantities(q.status?.hard);
    normalizeQuantities(q.status?.used);
  },
  prepareForCreate(q) {
    q.status = {};
  },
  validate(q) {
    return [...validateObjectMeta(q.metadata, true, subdomainName), ...validateList(q.spec?.hard, 'spec.hard')];
  },
  validateUpdate: () => [],
  validateStatus(q) {
    return [...validateList(q.status?.hard, 'status.hard'), ...validateList(q.status?.used, 'status.used')];
  },
  selectableFields: () => ({}),
};
