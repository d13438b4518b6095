// apps/v1 ReplicaSets (pkg/registry/apps/replicaset/strategy.go, pkg/apis/apps/validation).

import { RESOURCES, type FieldError, type ReplicaSet } from '@skiff/api';
import { S } from '../schema.js';
import { conditionSchema, kindSchema, labelSelectorSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe, immutable, nonNegative } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';
import { validateSelectorAndTemplate } from '../validation/pod-template.js';
import { validateConditions } from '../validation/conditions.js';
import { defaultPodSpec } from './pod-defaults.js';
import { podTemplateSchema } from './pod-schema.js';

const schema = kindSchema({
  spec: S.object({ replicas: S.integer, minReadySeconds: S.integer, selector: labelSelectorSchema, template: podTemplateSchema }, { required: ['selector'] }),
  status: S.object({
    replicas: S.integer,
    fullyLabeledReplicas: S.integer,
    readyReplicas: S.integer,
    availableReplicas: S.integer,
    observedGeneration: S.integer,
    conditions: S.array(conditionSchema),
  }, { required: ['replicas'] }),
});

function validateSpec(rs: ReplicaSet): FieldError[] {
  const spec = rs.spec;
  if (!spec) return [fe.required('spec')];
  return [
    ...nonNegative('spec.replicas', spec.replicas),
    ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
    ...validateSelectorAndTemplate(spec, 'spec'),
  ];
}

export const replicaSetStrategy: Strategy<ReplicaSet> = {
  info: RESOURCES.find((r) => r.resource === 'replicasets')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: true,
  hasStatusSubresource: true,
  allowUnconditionalUpdate: true,
  hasScaleSubresource: true,
  applyDefaults(rs) {
    if (rs.spec && typeof rs.spec === 'object') {
      rs.spec.replicas ??= 1;
      defaultPodSpec(rs.spec.template?.spec);
    }
  },
  prepareForCreate(rs) {
    rs.status = { replicas: 0 };
  },
  validate(rs) {
    return [...validateObjectMeta(rs.metadata, true, subdomainName), ...validateSpec(rs)];
  },
  validateUpdate(rs, old) {
    return immutable('spec.selector', rs.spec?.selector, old.spec?.selector);
  },
  validateStatus(rs) {
    const st = rs.status;
    if (!st) return [];
    const errs: FieldError[] = [];
    for (const f of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const) {
      errs.push(...nonNegative(`status.${f}`, st[f]));
    }
    if ((st.readyReplicas ?? 0) > st.replicas) errs.push(fe.invalid('status.readyReplicas', st.readyReplicas, 'cannot be greater than status.replicas'));
    if ((st.availableReplicas ?? 0) > st.replicas) errs.push(fe.invalid('status.availableReplicas', st.availableReplicas, 'cannot be greater than status.replicas'));
    errs.push(...validateConditions(st.conditions, 'status.conditions'));
    return errs;
  },
  selectableFields(rs) {
    return { 'status.replicas': String(rs.status?.replicas ?? 0) };
  },
};
