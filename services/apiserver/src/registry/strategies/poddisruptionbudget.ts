// policy/v1 PodDisruptionBudgets (pkg/registry/policy/poddisruptionbudget,
// pkg/apis/policy/validation): exactly one of minAvailable and maxUnavailable, each a count or a
// percentage up to 100%, and a label selector. Status (disruptionsAllowed, ...) is kept by the
// disruption controller and decremented by the pods/eviction subresource; a new budget starts
// with an empty status and no observedGeneration, so evictions wait until the controller saw it.

import { RESOURCES, type FieldError, type PodDisruptionBudget } from '@skiff/api';
import { S } from '../schema.js';
import { conditionSchema, kindSchema, labelSelectorSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { validateConditions } from '../validation/conditions.js';
import { fe, nonNegative } from '../validation/field-errors.js';
import { validateIntOrPercent } from '../validation/int-or-percent.js';
import { subdomainName, validateLabelSelector, validateObjectMeta } from '../validation/meta.js';

const schema = kindSchema({
  spec: S.object({ minAvailable: S.intOrString, maxUnavailable: S.intOrString, selector: labelSelectorSchema }),
  status: S.object({
    observedGeneration: S.integer,
    currentHealthy: S.integer,
    desiredHealthy: S.integer,
    disruptionsAllowed: S.integer,
    expectedPods: S.integer,
    disruptedPods: S.map(S.string),
    conditions: S.array(conditionSchema),
  }, { required: ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] }),
});

function validateSpec(pdb: PodDisruptionBudget): FieldError[] {
  const spec = pdb.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errs.push(fe.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  } else if (spec.minAvailable === undefined && spec.maxUnavailable === undefined) {
    errs.push(fe.required('spec.minAvailable', 'one of minAvailable or maxUnavailable must be set'));
  }
  errs.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  errs.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  if (spec.selector) errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  return errs;
}

export const podDisruptionBudgetStrategy: Strategy<PodDisruptionBudget> = {
  info: RESOURCES.find((r) => r.resource === 'poddisruptionbudgets')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: true,
  hasStatusSubresource: true,
  allowUnconditionalUpdate: true,
  applyDefaults(pdb) {
    pdb.spec ??= {};
  },
  prepareForCreate(pdb) {
    pdb.status = { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
  },
  validate(pdb) {
    return [...validateObjectMeta(pdb.metadata, true, subdomainName), ...validateSpec(pdb)];
  },
  validateUpdate: () => [],
  validateStatus(pdb) {
    const st = pdb.status;
    if (!st) return [];
    const errs: FieldError[] = [];
    for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods'] as const) errs.push(...nonNegative(`status.${f}`, st[f]));
    errs.push(...validateConditions(st.conditions, 'status.conditions'));
    return errs;
  },
  selectableFields: () => ({}),
};
