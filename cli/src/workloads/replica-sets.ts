// Which ReplicaSets belong to a Deployment and which of them is its current one, as kubectl's
// deployment utilities decide (k8s.io/kubectl/pkg/util/deployment: GetAllReplicaSets,
// FindNewReplicaSet, EqualIgnoreHash, Revision): the ReplicaSets the Deployment controls (by
// ownerReference uid), oldest first; the new one is the oldest whose pod template equals the
// Deployment's once the `pod-template-hash` label is ignored; every other one is old.

import { controllerOf, type Deployment, type KubeObject, type PodTemplateSpec, type ReplicaSet } from '@skiff/api';

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

function byCreation(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata.name ?? '';
  const nb = b.metadata.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

export interface DeploymentReplicaSets {
  newRS: ReplicaSet | undefined;
  /** Every other ReplicaSet the Deployment controls, oldest first (scaled to 0 or not). */
  oldRSs: ReplicaSet[];
}

/** Splits the ReplicaSets the Deployment controls into its new one and the old ones. */
export function classifyReplicaSets(d: Readonly<Deployment>, replicaSets: readonly ReplicaSet[]): DeploymentReplicaSets {
  const uid = d.metadata.uid;
  const owned = replicaSets.filter((rs) => uid !== undefined && controllerOf(rs)?.uid === uid).sort(byCreation);
  const newRS = owned.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
  return { newRS, oldRSs: owned.filter((rs) => rs !== newRS) };
}

/** Every ReplicaSet the Deployment controls: the old ones, then the new one. */
export function allReplicaSets(split: Readonly<DeploymentReplicaSets>): ReplicaSet[] {
  return split.newRS ? [...split.oldRSs, split.newRS] : [...split.oldRSs];
}
