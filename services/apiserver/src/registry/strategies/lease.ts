// coordination.k8s.io/v1 Leases (pkg/apis/coordination/validation).

import { RESOURCES, type FieldError, type Lease } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe, nonNegative } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';

const schema = kindSchema({
  spec: S.object({
    holderIdentity: S.string,
    leaseDurationSeconds: S.integer,
    acquireTime: S.string,
    renewTime: S.string,
    leaseTransitions: S.integer,
  }),
});

export const leaseStrategy: Strategy<Lease> = {
  info: RESOURCES.find((r) => r.resource === 'leases')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: false,
  hasStatusSubresource: false,
  applyDefaults(lease) {
    lease.spec ??= {};
  },
  prepareForCreate() {},
  validate(lease) {
    const errs: FieldError[] = validateObjectMeta(lease.metadata, true, subdomainName);
    const d = lease.spec?.leaseDurationSeconds;
    if (d !== undefined && d <= 0) errs.push(fe.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
    errs.push(...nonNegative('spec.leaseTransitions', lease.spec?.leaseTransitions));
    return errs;
  },
  validateUpdate: () => [],
  validateStatus: () => [],
  selectableFields: () => ({}),
};
