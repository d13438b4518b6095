// Namespaces (pkg/registry/core/namespace): DNS-1123 label names, status.phase Active on create.
// No default `kubernetes` finalizer: Skiff has no namespace controller yet, so a namespace goes at
// once when deleted (objects inside it are not removed).

import { RESOURCES, type FieldError, type Namespace } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe } from '../validation/field-errors.js';
import { labelName, validateObjectMeta } from '../validation/meta.js';
import { isQualifiedName } from '../validation/names.js';

const PHASES = ['Active', 'Terminating'];

export const namespaceStrategy: Strategy<Namespace> = {
  info: RESOURCES.find((r) => r.resource === 'namespaces')!,
  schema: kindSchema({ spec: S.object({ finalizers: S.array(S.string) }), status: S.object({ phase: S.string }) }),
  nameValidator: labelName,
  tracksGeneration: false,
  hasStatusSubresource: true,
  applyDefaults() {},
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
  },
  validate(ns) {
    const errs = validateObjectMeta(ns.metadata, false, labelName);
    (ns.spec?.finalizers ?? []).forEach((f, i) => {
      for (const m of isQualifiedName(f)) errs.push(fe.invalid(`spec.finalizers[${i}]`, f, m));
    });
    return errs;
  },
  validateUpdate: () => [],
  validateStatus(ns) {
    const phase = ns.status?.phase;
    const errs: FieldError[] = [];
    if (phase !== undefined && !PHASES.includes(phase)) errs.push(fe.notSupported('status.phase', phase, PHASES));
    return errs;
  },
  selectableFields(ns) {
    return { 'status.phase': ns.status?.phase ?? '' };
  },
};
