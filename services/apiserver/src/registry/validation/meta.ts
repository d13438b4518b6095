// metadata validation, following k8s.io/apimachinery/pkg/api/validation/objectmeta.go.

import { type FieldError, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, type LabelSelector, type ObjectMeta } from '@skiff/api';
import { fe, immutable } from './field-errors.js';

export type NameValidator = (name: string) => string[];

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

export function validateLabels(labels: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const m of isQualifiedName(k)) errs.push(fe.invalid(field, k, m));
    for (const m of isValidLabelValue(v)) errs.push(fe.invalid(field, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fe.invalid(field, k, m));
    size += k.length + v.length;
  }
  if (size > TOTAL_ANNOTATION_SIZE) errs.push(fe.tooLong(field, TOTAL_ANNOTATION_SIZE));
  return errs;
}

function validateOwnerReferences(meta: ObjectMeta, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const refs = meta.ownerReferences ?? [];
  refs.forEach((r, i) => {
    if (!r.apiVersion) errs.push(fe.invalid(`${field}[${i}].apiVersion`, r.apiVersion ?? '', 'version must not be empty'));
    if (!r.kind) errs.push(fe.invalid(`${field}[${i}].kind`, r.kind ?? '', 'kind must not be empty'));
    if (!r.name) errs.push(fe.invalid(`${field}[${i}].name`, r.name ?? '', 'name must not be empty'));
    if (!r.uid) errs.push(fe.invalid(`${field}[${i}].uid`, r.uid ?? '', 'uid must not be empty'));
  });
  const controllers = refs.filter((r) => r.controller === true);
  if (controllers.length > 1) {
    errs.push(
      fe.invalid(
        field,
        refs,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.map((c) => `${c.kind}/${c.name}`).join(' and ')}`,
      ),
    );
  }
  return errs;
}

function validateFinalizers(finalizers: string[] | undefined, field: string): FieldError[] {
  const errs: FieldError[] = [];
  (finalizers ?? []).forEach((f, i) => {
    for (const m of isQualifiedName(f)) errs.push(fe.invalid(`${field}[${i}]`, f, m));
  });
  return errs;
}

/** Validates metadata on create (and, with the same rules, on update). */
export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, nameFn: NameValidator): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.generateName) {
    // The generated suffix is alphanumeric, so a trailing '-' in the prefix is fine.
    for (const m of nameFn(meta.generateName.replace(/-$/, 'a'))) errs.push(fe.invalid('metadata.generateName', meta.generateName, m));
  }
  if (!meta.name) {
    if (!meta.generateName) errs.push(fe.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const m of nameFn(meta.name)) errs.push(fe.invalid('metadata.name', meta.name, m));
  }
  if (namespaced) {
    if (!meta.namespace) errs.push(fe.required('metadata.namespace'));
    else for (const m of isDNS1123Label(meta.namespace)) errs.push(fe.invalid('metadata.namespace', meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(fe.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  if (meta.generation !== undefined && meta.generation < 0) errs.push(fe.invalid('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
  return errs;
}

/** The update-only metadata rules (objectmeta.go ValidateObjectMetaUpdate). */
export function validateObjectMetaUpdate(next: ObjectMeta, prev: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  if (prev.deletionTimestamp) {
    const added = (next.finalizers ?? []).filter((f) => !(prev.finalizers ?? []).includes(f));
    if (added.length > 0) {
      errs.push(fe.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`));
    }
  }
  errs.push(...immutable('metadata.name', next.name, prev.name));
  errs.push(...immutable('metadata.namespace', next.namespace, prev.namespace));
  errs.push(...immutable('metadata.uid', next.uid, prev.uid));
  return errs;
}

export const subdomainName: NameValidator = isDNS1123Subdomain;
export const labelName: NameValidator = isDNS1123Label;

/** metav1.LabelSelector validation (unversioned validation.ValidateLabelSelector). */
export function validateLabelSelector(sel: LabelSelector, field: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabels(sel.matchLabels, `${field}.matchLabels`));
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const p = `${field}.matchExpressions[${i}]`;
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fe.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fe.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fe.invalid(`${p}.operator`, e.operator, 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(e.key ?? '')) errs.push(fe.invalid(`${p}.key`, e.key, m));
    values.forEach((v, j) => {
      for (const m of isValidLabelValue(v)) errs.push(fe.invalid(`${p}.values[${j}]`, v, m));
    });
  });
  return errs;
}
