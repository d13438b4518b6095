// LimitRanges (pkg/apis/core/validation ValidateLimitRange, v1 SetDefaults_LimitRangeItem): per
// type (Container, Pod, PersistentVolumeClaim), min ≤ defaultRequest ≤ default ≤ max for each
// resource. A Container item's default comes from max and its defaultRequest from default, then
// min, when not given. The LimitRanger admission plugin (src/admission) applies them to pods.

import { RESOURCES, type FieldError, type LimitRange, type LimitRangeItem, type ResourceList } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema, resourceListSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';
import { nonNegativeQuantity, normalizeQuantities } from '../validation/quantity.js';

const TYPES = ['Container', 'Pod', 'PersistentVolumeClaim'];
const CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];
const LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;
type ListName = (typeof LISTS)[number];

const schema = kindSchema({
  spec: S.object({
    limits: S.array(
      S.object({
        type: S.string,
        max: resourceListSchema,
        min: resourceListSchema,
        default: resourceListSchema,
        defaultRequest: resourceListSchema,
        maxLimitRequestRatio: resourceListSchema,
      }, { required: ['type'] }),
    ),
  }, { required: ['limits'] }),
});


/** SetDefaults_LimitRangeItem. */
function defaultItem(item: LimitRangeItem): void {
  for (const l of LISTS) normalizeQuantities(item[l]);
  if (item.type !== 'Container') return;
  const fill = (target: ResourceList, from: ResourceList | undefined): void => {
    for (const [k, v] of Object.entries(from ?? {})) target[k] ??= v;
  };
  item.default ??= {};
  item.defaultRequest ??= {};
  fill(item.default, item.max);
  fill(item.defaultRequest, item.default);
  fill(item.defaultRequest, item.min);
  if (Object.keys(item.default).length === 0) delete item.default;
  if (Object.keys(item.defaultRequest).length === 0) delete item.defaultRequest;
}

function validateItem(item: LimitRangeItem, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!TYPES.includes(item.type)) errs.push(fe.invalid(`${path}.type`, item.type ?? '', 'must be a standard limit type or fully qualified'));
  const values: Partial<Record<ListName, Map<string, { raw: string; value: number }>>> = {};
  for (const l of LISTS) {
    const list = item[l];
    if (list === undefined) continue;
    if (item.type === 'Pod' && (l === 'default' || l === 'defaultRequest')) {
      if (Object.keys(list).length > 0) errs.push(fe.forbidden(`${path}.${l}`, "may not be specified when `type` is 'Pod'"));
      continue;
    }
    const parsed = new Map<string, { raw: string; value: number }>();
    for (const [name, raw] of Object.entries(list)) {
      const p = `${path}.${l}[${name}]`;
      if (item.type !== 'PersistentVolumeClaim' && !CONTAINER_RESOURCES.includes(name)) errs.push(fe.invalid(p, name, 'must be a standard resource for containers'));
      const q = nonNegativeQuantity(p, raw);
      errs.push(...q.errors);
      if (q.value !== undefined) parsed.set(name, { raw: String(raw), value: q.value });
    }
    values[l] = parsed;
  }
  if (item.type === 'PersistentVolumeClaim' && !values.min?.has('storage') && !values.max?.has('storage')) {
    errs.push(fe.required(`${path}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  const keys = new Set(LISTS.flatMap((l) => [...(values[l]?.keys() ?? [])]));
  for (const k of keys) {
    const min = values.min?.get(k);
    const max = values.max?.get(k);
    const def = values.default?.get(k);
    const defReq = values.defaultRequest?.get(k);
    const ratio = values.maxLimitRequestRatio?.get(k);
    if (min && max && min.value > max.value) errs.push(fe.invalid(`${path}.min[${k}]`, min.raw, `min value ${min.raw} is greater than max value ${max.raw}`));
    if (defReq && min && min.value > defReq.value) {
      errs.push(fe.invalid(`${path}.defaultRequest[${k}]`, defReq.raw, `min value ${min.raw} is greater than default request value ${defReq.raw}`));
    }
    if (defReq && max && defReq.value > max.value) {
      errs.push(fe.invalid(`${path}.defaultRequest[${k}]`, defReq.raw, `default request value ${defReq.raw} is greater than max value ${max.raw}`));
    }
    if (defReq && def && defReq.value > def.value) {
      errs.push(fe.invalid(`${path}.defaultRequest[${k}]`, defReq.raw, `default request value ${defReq.raw} is greater than default limit value ${def.raw}`));
    }
    if (def && min && min.value > def.value) errs.push(fe.invalid(`${path}.default[${k}]`, min.raw, `min value ${min.raw} is greater than default value ${def.raw}`));
    if (def && max && def.value > max.value) errs.push(fe.invalid(`${path}.default[${k}]`, max.raw, `default value ${def.raw} is greater than max value ${max.raw}`));
    if (ratio && ratio.value < 1) errs.push(fe.invalid(`${path}.maxLimitRequestRatio[${k}]`, ratio.raw, `ratio ${ratio.raw} is less than 1`));
    if (ratio && min && max && min.value > 0 && ratio.value > max.value / min.value) {
      errs.push(fe.invalid(`${path}.maxLimitRequestRatio[${k}]`, ratio.raw, `ratio ${ratio.raw} is greater than max/min = ${(max.value / min.value).toFixed(6)}`));
    }
  }
  return errs;
}

export const limitRangeStrategy: Strategy<LimitRange> = {
  info: RESOURCES.find((r) => r.resource === 'limitranges')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: false,
  hasStatusSubresource: false,
  allowUnconditionalUpdate: true,
  applyDefaults(lr) {
    if (lr.spec && typeof lr.spec === 'object') for (const item of lr.spec.limits ?? []) if (item && typeof item === 'object') defaultItem(item);
  },
  prepareForCreate() {},
  validate(lr) {
    const errs = validateObjectMeta(lr.metadata, true, subdomainName);
    const seen = new Set<string>();
    (lr.spec?.limits ?? []).forEach((item, i) => {
      const p = `spec.limits[${i}]`;
      errs.push(...validateItem(item, p));
      if (seen.has(item.type)) errs.push(fe.duplicate(`${p}.type`, item.type));
      seen.add(item.type);
    });
    return errs;
  },
  validateUpdate: () => [],
  validateStatus: () => [],
  selectableFields: () => ({}),
};

