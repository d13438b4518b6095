// apps/v1 Deployments (pkg/registry/apps/deployment/strategy.go; defaults from
// pkg/apis/apps/v1/defaults.go SetDefaults_Deployment; validation from
// pkg/apis/apps/validation ValidateDeployment*).

import { isDeepStrictEqual } from 'node:util';
import { RESOURCES, type Deployment, type DeploymentStrategy, type FieldError } from '@skiff/api';
import { S } from '../schema.js';
import { CONDITION_REQUIRED, conditionFields, kindSchema, labelSelectorSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe, immutable, nonNegative } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';
import { validateSelectorAndTemplate } from '../validation/pod-template.js';
import { validateConditions } from '../validation/conditions.js';
import { intOrPercentValue, invalidIntOrPercent, percentOf, validatePositiveIntOrPercent } from '../validation/int-or-percent.js';
import { defaultPodSpec } from './pod-defaults.js';
import { podTemplateSchema } from './pod-schema.js';

const STRATEGY_TYPES = ['Recreate', 'RollingUpdate'];

const schema = kindSchema({
  spec: S.object({
    replicas: S.integer,
    selector: labelSelectorSchema,
    template: podTemplateSchema,
    strategy: S.object({
      type: S.string,
      rollingUpdate: S.object({ maxUnavailable: S.intOrString, maxSurge: S.intOrString }),
    }),
    minReadySeconds: S.integer,
    revisionHistoryLimit: S.integer,
    paused: S.boolean,
    progressDeadlineSeconds: S.integer,
  }, { required: ['selector', 'template'] }),
  status: S.object({
    observedGeneration: S.integer,
    replicas: S.integer,
    updatedReplicas: S.integer,
    readyReplicas: S.integer,
    availableReplicas: S.integer,
    unavailableReplicas: S.integer,
    // DeploymentCondition carries lastUpdateTime besides the usual condition fields.
    conditions: S.array(S.object({ ...conditionFields, lastUpdateTime: S.string }, { required: CONDITION_REQUIRED })),
    collisionCount: S.integer,
  }),
});

/** ValidateDeploymentStrategy and ValidateRollingUpdateDeployment. */
function validateStrategy(strategy: DeploymentStrategy | undefined, path: string): FieldError[] {
  const s = strategy ?? {};
  switch (s.type) {
    case 'Recreate':
      return s.rollingUpdate !== undefined ? [fe.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'")] : [];
    case 'RollingUpdate': {
      const ru = s.rollingUpdate;
      if (!ru) return [fe.required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil')];
      const p = `${path}.rollingUpdate`;
      const errs = [...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`), ...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`)];
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalidIntOrPercent(`${p}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      const pct = percentOf(ru.maxUnavailable);
      if (pct !== undefined && pct > 100) errs.push(invalidIntOrPercent(`${p}.maxUnavailable`, ru.maxUnavailable ?? '', 'must not be greater than 100%'));
      return errs;
    }
    default:
      return [fe.notSupported(path, s, STRATEGY_TYPES)];
  }
}

/** ValidateDeploymentSpec. */
function validateSpec(d: Deployment): FieldError[] {
  const spec = d.spec;
  if (!spec) return [fe.required('spec')];
  const errs: FieldError[] = [
    ...nonNegative('spec.replicas', spec.replicas),
    ...validateSelectorAndTemplate(spec, 'spec'),
    ...validateStrategy(spec.strategy, 'spec.strategy'),
    ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
    ...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit),
  ];
  const deadline = spec.progressDeadlineSeconds;
  if (deadline !== undefined) {
    errs.push(...nonNegative('spec.progressDeadlineSeconds', deadline));
    if (deadline <= (spec.minReadySeconds ?? 0)) errs.push(fe.invalid('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export const deploymentStrategy: Strategy<Deployment> = {
  info: RESOURCES.find((r) => r.resource === 'deployments')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: true,
  hasStatusSubresource: true,
  allowUnconditionalUpdate: true,
  hasScaleSubresource: true,
  applyDefaults(d) {
    const spec = d.spec;
    if (!spec || typeof spec !== 'object') return;
    spec.replicas ??= 1;
    spec.strategy ??= {};
    const strategy = spec.strategy;
    if (!strategy.type) strategy.type = 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      strategy.rollingUpdate ??= {};
      strategy.rollingUpdate.maxUnavailable ??= '25%';
      strategy.rollingUpdate.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    spec.minReadySeconds ??= 0;
    defaultPodSpec(spec.template?.spec);
  },
  prepareForCreate(d) {
    d.status = {};
  },
  // Annotations count too: the controller copies them to the new ReplicaSet.
  generationChanged(d, old) {
    return !isDeepStrictEqual(d.spec, old.spec) || !isDeepStrictEqual(d.metadata.annotations, old.metadata.annotations);
  },
  validate(d) {
    return [...validateObjectMeta(d.metadata, true, subdomainName), ...validateSpec(d)];
  },
  validateUpdate(d, old) {
    return immutable('spec.selector', d.spec?.selector, old.spec?.selector);
  },
  validateStatus(d, old) {
    const st = d.status;
    if (!st) return [];
    const errs: FieldError[] = [];
    for (const f of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'] as const) {
      errs.push(...nonNegative(`status.${f}`, st[f]));
    }
    const replicas = st.replicas ?? 0;
    const ready = st.readyReplicas ?? 0;
    const available = st.availableReplicas ?? 0;
    const msg = 'cannot be greater than status.replicas';
    if ((st.updatedReplicas ?? 0) > replicas) errs.push(fe.invalid('status.updatedReplicas', st.updatedReplicas, msg));
    if (ready > replicas) errs.push(fe.invalid('status.readyReplicas', ready, msg));
    if (available > replicas) errs.push(fe.invalid('status.availableReplicas', available, msg));
    if (available > ready) errs.push(fe.invalid('status.availableReplicas', available, 'cannot be greater than readyReplicas'));
    const prevCollisions = old.status?.collisionCount;
    if (prevCollisions !== undefined && (st.collisionCount === undefined || st.collisionCount < prevCollisions)) {
      errs.push(fe.invalid('status.collisionCount', st.collisionCount ?? 0, 'cannot be decremented'));
    }
    errs.push(...validateConditions(st.conditions, 'status.conditions'));
    return errs;
  },
  selectableFields: () => ({}),
};
