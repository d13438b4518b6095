// apps/v1 ReplicaSets (pkg/registry/apps/replicaset/strategy.go, pkg/apis/apps/validation).

import { RESOURCES, selectorFromLabelSelector, type FieldError, type ReplicaSet } from '@skiff/api';
import { S } from '../schema.js';
import { conditionSchema, kindSchema, labelSelectorSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe, immutable, nonNegative } from '../validation/field-errors.js';
import { subdomainName, validateAnnotations, validateLabelSelector, validateLabels, validateObjectMeta } from '../validation/meta.js';
import { validatePodSpec } from '../validation/pod-spec.js';
import { validateConditions } from '../validation/conditions.js';
import { defaultPodSpec } from './pod-defaults.js';
import { podTemplateSchema } from './pod-schema.js';

const schema = kindSchema({
  spec: S.object({ replicas: S.integer, minReadySeconds: S.integer, selector: labelSelectorSchema, template: podTemplateSchema }),
  status: S.object({
    replicas: S.integer,
    fullyLabeledReplicas: S.integer,
    readyReplicas: S.integer,
    availableReplicas: S.integer,
    observedGeneration: S.integer,
    conditions: S.array(conditionSchema),
  }),
});

function validateSpec(rs: ReplicaSet): FieldError[] {
  const spec = rs.spec;
  if (!spec) return [fe.required('spec')];
  const errs: FieldError[] = [];
  errs.push(...nonNegative('spec.replicas', spec.replicas));
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  const sel = spec.selector;
  if (!sel) errs.push(fe.required('spec.selector'));
  else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0) {
      errs.push(fe.invalid('spec.selector', sel, 'empty selector is invalid for deployment'));
    }
  }
  const tpl = spec.template;
  if (!tpl) return [...errs, fe.required('spec.template')];
  const labels = tpl.metadata?.labels ?? {};
  if (sel && errs.length === 0 && !selectorFromLabelSelector(sel).matches(labels)) {
    errs.push(fe.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validateLabels(tpl.metadata?.labels, 'spec.template.metadata.labels'));
  errs.push(...validateAnnotations(tpl.metadata?.annotations, 'spec.template.metadata.annotations'));
  errs.push(...validatePodSpec(tpl.spec, 'spec.template.spec'));
  const rp = tpl.spec?.restartPolicy;
  if (rp !== undefined && rp !== 'Always') errs.push(fe.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  return errs;
}

export const replicaSetStrategy: Strategy<ReplicaSet> = {
  info: RESOURCES.find((r) => r.resource === 'replicasets')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: true,
  hasStatusSubresource: true,
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
