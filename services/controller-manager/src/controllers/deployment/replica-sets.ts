// Facts about a Deployment's ReplicaSets, after Kubernetes' deployment/util/deployment_util.go and
// controller_utils.go: which is new and which are old, revisions and the annotations the
// Deployment keeps on them, counts, orderings, and the arithmetic of scaling them.

import type { ReplicaSet } from '@skiff/api';
import { maxSurge, type DefaultedDeployment } from './fenceposts.js';
import { CHANGE_CAUSE_ANNOTATION, equalIgnoreHash, REVISION_ANNOTATION, revisionOf } from '@skiff/api';

export { CHANGE_CAUSE_ANNOTATION, REVISION_ANNOTATION, revisionOf };

export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** Kubernetes keeps revision-history under this many characters. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Deployment annotations never copied to its ReplicaSets (annotationsToSkip). */
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

export function replicasOf(rs: Readonly<ReplicaSet>): number {
  return rs.spec.replicas ?? 1;
}


export function maxRevision(rss: readonly Readonly<ReplicaSet>[]): number {
  return Math.max(0, ...rss.map((rs) => revisionOf(rs) ?? 0));
}

function created(rs: Readonly<ReplicaSet>): number {
  // One not yet created (planned in this sync) is the newest.
  const t = rs.metadata.creationTimestamp ? Date.parse(rs.metadata.creationTimestamp) : NaN;
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/** ReplicaSetsByCreationTimestamp: oldest first, ties by name. */
export function byCreation(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const ca = created(a);
  const cb = created(b);
  if (ca !== cb) return ca < cb ? -1 : 1;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** ReplicaSetsBySizeNewer: larger first; among equals the newer first (scaling up). */
export function bySizeNewer(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  if (replicasOf(a) !== replicasOf(b)) return replicasOf(b) - replicasOf(a);
  return byCreation(b, a);
}

/** ReplicaSetsBySizeOlder: larger first; among equals the older first (scaling down). */
export function bySizeOlder(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  if (replicasOf(a) !== replicasOf(b)) return replicasOf(b) - replicasOf(a);
  return byCreation(a, b);
}

/** ReplicaSetsByRevision: oldest revision first; unparseable or equal revisions by creation. */
export function byRevision(a: Readonly<ReplicaSet>, b: Readonly<ReplicaSet>): number {
  const ra = revisionOf(a);
  const rb = revisionOf(b);
  if (ra === undefined || rb === undefined || ra === rb) return byCreation(a, b);
  return ra - rb;
}

/** ReplicaSets that should run pods (spec.replicas > 0). */
export function activeReplicaSets<T extends Readonly<ReplicaSet>>(rss: readonly (T | undefined)[]): T[] {
  return rss.filter((rs): rs is T => rs !== undefined && replicasOf(rs) > 0);
}

/** The ReplicaSet running the Deployment's current template: the oldest whose template equals it. */
export function findNewReplicaSet<T extends Readonly<ReplicaSet>>(d: Readonly<DefaultedDeployment>, rss: readonly T[]): T | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

export const sumReplicas = (rss: readonly (Readonly<ReplicaSet> | undefined)[]): number => rss.reduce((n, rs) => n + (rs ? replicasOf(rs) : 0), 0);
export const sumActual = (rss: readonly (Readonly<ReplicaSet> | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
export const sumReady = (rss: readonly (Readonly<ReplicaSet> | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
export const sumAvailable = (rss: readonly (Readonly<ReplicaSet> | undefined)[]): number => rss.reduce((n, rs) => n + (rs?.status?.availableReplicas ?? 0), 0);

function intAnnotation(rs: Readonly<ReplicaSet>, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  return v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined;
}

export function desiredReplicasAnnotation(rs: Readonly<ReplicaSet>): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

export function maxReplicasAnnotation(rs: Readonly<ReplicaSet>): number | undefined {
  return intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
}

/** Sets desired-replicas and max-replicas; true if they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  let updated = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    updated = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    updated = true;
  }
  return updated;
}

export function replicasAnnotationsNeedUpdate(rs: Readonly<ReplicaSet>, desired: number, max: number): boolean {
  const a = rs.metadata.annotations;
  return a?.[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** Copies the Deployment's annotations (change-cause among them) to the RS, but not the skipped ones. */
function copyDeploymentAnnotations(d: Readonly<DefaultedDeployment>, rs: ReplicaSet): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  return changed;
}

/**
 * SetNewReplicaSetAnnotations: the new RS gets the Deployment's annotations and revision
 * `newRevision` unless it already has a higher one. An RS that had an older revision (a rollback
 * to it) keeps that in revision-history. A new RS (not `exists`) also gets the replicas
 * annotations. Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: Readonly<DefaultedDeployment>, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const annotations = (rs.metadata.annotations ??= {});
  const old = annotations[REVISION_ANNOTATION];
  const oldRevision = old === undefined ? 0 : /^\d+$/.test(old) ? Number(old) : undefined;
  if (oldRevision === undefined) return changed; // not a number: leave it alone, as Kubernetes
  if (oldRevision < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    if (old !== undefined) {
      const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
      let revisions = history === '' ? [] : history.split(',');
      let total = history.length + old.length + 1;
      while (total > MAX_REVISION_HISTORY_CHARS && revisions.length > 0) {
        total -= (revisions[0]?.length ?? 0) + 1;
        revisions = revisions.slice(1);
      }
      if (history === '' || total <= MAX_REVISION_HISTORY_CHARS) annotations[REVISION_HISTORY_ANNOTATION] = [...revisions, old].join(',');
    }
  }
  if (!exists && setReplicasAnnotations(rs, d.spec.replicas, d.spec.replicas + maxSurge(d))) changed = true;
  return changed;
}

/**
 * NewRSNewReplicas: how big the new RS may be now. RollingUpdate: up to desired, within
 * desired + maxSurge pods in all; Recreate: desired.
 */
export function newRSNewReplicas(d: Readonly<DefaultedDeployment>, allRSs: readonly (Readonly<ReplicaSet> | undefined)[], newRS: Readonly<ReplicaSet>): number {
  if (d.spec.strategy?.type === 'Recreate') return d.spec.replicas;
  const maxTotal = d.spec.replicas + maxSurge(d);
  const current = sumReplicas(allRSs);
  if (current >= maxTotal) return replicasOf(newRS);
  const scaleUp = Math.min(maxTotal - current, d.spec.replicas - replicasOf(newRS));
  return replicasOf(newRS) + scaleUp;
}

/** The new RS runs every desired replica, available, and knows the Deployment's size (IsSaturated). */
export function isSaturated(d: Readonly<DefaultedDeployment>, rs: Readonly<ReplicaSet> | undefined): boolean {
  if (!rs) return false;
  return replicasOf(rs) === d.spec.replicas && desiredReplicasAnnotation(rs) === d.spec.replicas && (rs.status?.availableReplicas ?? 0) === d.spec.replicas;
}

/**
 * FindActiveOrLatest: the only active RS, or the newest one (the new RS first) when none is
 * active; undefined when several are active (then they are scaled proportionally).
 */
export function findActiveOrLatest<T extends Readonly<ReplicaSet>>(newRS: T | undefined, oldRSs: readonly T[]): T | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  return active.length === 1 ? active[0] : undefined;
}

/** Go's math.Round (half away from zero). */
function round(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * getReplicaSetFraction: how far this RS moves when the Deployment is resized mid-rollout, in
 * proportion to its share of the size it was last scaled for (max-replicas annotation).
 */
function replicaSetFraction(rs: Readonly<ReplicaSet>, d: Readonly<DefaultedDeployment>): number {
  if (d.spec.replicas === 0) return -replicasOf(rs);
  const deploymentReplicas = d.spec.replicas + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (annotated <= 0) return 0; // no base to estimate from: the leftover goes to the largest RS
  return round((replicasOf(rs) * deploymentReplicas) / annotated) - replicasOf(rs);
}

/**
 * GetProportion: the replicas to add to (or, negative, remove from) `rs` out of `toAdd` for the
 * whole Deployment, of which `added` are already given out; never more than what is left.
 */
export function getProportion(rs: Readonly<ReplicaSet> | undefined, d: Readonly<DefaultedDeployment>, toAdd: number, added: number): number {
  if (!rs || replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
