// Deployment revisions and pod-template identity, shared by the Deployment controller and the CLI's
// rollout commands so both decide alike (k8s.io/kubectl/pkg/util/deployment and
// pkg/controller/deployment/util: Revision, EqualIgnoreHash with apimachinery's semantic equality).

import type { KubeObject, PodTemplateSpec } from './types.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/**
 * The revision an object records: 0 without the annotation (as kubectl's Revision), undefined
 * when the annotation is not a number.
 */
export function revisionOf(obj: Readonly<KubeObject>): number | undefined {
  const raw = obj.metadata.annotations?.[REVISION_ANNOTATION];
  if (raw === undefined) return 0;
  if (!/^-?\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** apimachinery's semantic equality on JSON: a missing, null, empty map or empty list are the same. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => semanticEqual(x, b[i]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
    for (const k of keys) if (!semanticEqual(ra[k], rb[k])) return false;
    return true;
  }
  return a === b;
}

/** A copy of the template without the `pod-template-hash` label. */
export function withoutHash(template: Readonly<PodTemplateSpec>): PodTemplateSpec {
  const copy = structuredClone(template) as PodTemplateSpec;
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}

export function equalIgnoreHash(a: Readonly<PodTemplateSpec> | undefined, b: Readonly<PodTemplateSpec> | undefined): boolean {
  if (!a || !b) return a === b;
  return semanticEqual(withoutHash(a), withoutHash(b));
}
