// networking.k8s.io/v1 IngressClasses, cluster-scoped (pkg/registry/networking/ingressclass;
// validation after pkg/apis/networking/validation ValidateIngressClass and
// validateIngressClassParametersReference; defaults after pkg/apis/networking/v1/defaults.go:
// parameters.scope Cluster). The controller is a domain-prefixed path and never changes. The
// `ingressclass.kubernetes.io/is-default-class` annotation marks the default class.

import { RESOURCES, type FieldError, type IngressClass } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { fe, immutable } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';
import { validateDNS1123Label, validateDNS1123Subdomain, validateDomainPrefixedPath, validatePathSegmentName } from '../validation/network.js';

const MAX_CONTROLLER_LENGTH = 250;
const SCOPES = ['Cluster', 'Namespace'];

const schema = kindSchema({
  spec: S.object({
    controller: S.string,
    parameters: S.object({ apiGroup: S.string, kind: S.string, name: S.string, namespace: S.string, scope: S.string }, { required: ['kind', 'name'] }),
  }),
});

function validateParameters(params: NonNullable<IngressClass['spec']['parameters']>): FieldError[] {
  const path = 'spec.parameters';
  const errs: FieldError[] = [];
  if (params.apiGroup !== undefined) errs.push(...validateDNS1123Subdomain(`${path}.apiGroup`, params.apiGroup));
  errs.push(...validatePathSegmentName(`${path}.kind`, params.kind ?? ''));
  errs.push(...validatePathSegmentName(`${path}.name`, params.name ?? ''));
  const scope = params.scope;
  if (scope === undefined) return [...errs, fe.required(`${path}.scope`)];
  if (!SCOPES.includes(scope)) return [...errs, fe.notSupported(`${path}.scope`, scope, SCOPES)];
  if (scope === 'Namespace') {
    if (params.namespace === undefined) errs.push(fe.required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else errs.push(...validateDNS1123Label(`${path}.namespace`, params.namespace));
  } else if (params.namespace !== undefined) {
    errs.push(fe.forbidden(`${path}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

function validateSpec(ic: IngressClass): FieldError[] {
  const spec = ic.spec ?? {};
  const errs: FieldError[] = [];
  const controller = spec.controller ?? '';
  if (controller === '') errs.push(fe.required('spec.controller'));
  else if (controller.length > MAX_CONTROLLER_LENGTH) errs.push(fe.tooLong('spec.controller', MAX_CONTROLLER_LENGTH));
  else errs.push(...validateDomainPrefixedPath('spec.controller', controller));
  if (spec.parameters) errs.push(...validateParameters(spec.parameters));
  return errs;
}

export const ingressClassStrategy: Strategy<IngressClass> = {
  info: RESOURCES.find((r) => r.resource === 'ingressclasses')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: true,
  hasStatusSubresource: false,
  allowUnconditionalUpdate: true,
  applyDefaults(ic) {
    ic.spec ??= {};
    if (ic.spec.parameters && ic.spec.parameters.scope === undefined) ic.spec.parameters.scope = 'Cluster';
  },
  prepareForCreate: () => undefined,
  validate(ic) {
    return [...validateObjectMeta(ic.metadata, false, subdomainName), ...validateSpec(ic)];
  },
  validateUpdate(ic, old) {
    return immutable('spec.controller', ic.spec?.controller, old.spec?.controller);
  },
  validateStatus: () => [],
  selectableFields: () => ({}),
};
