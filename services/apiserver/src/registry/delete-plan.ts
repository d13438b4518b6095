// What a delete does to an object, decided as a pure function (after Kubernetes'
// staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go BeforeDelete and the generic store's
// Delete): remove it now, or mark it (deletionTimestamp) and keep it while finalizers or a pod's
// grace period run, or leave it as it is (a deletion already pending).

import { errors, nowRFC3339, type KubeObject } from '@skiff/api';
import type { Strategy } from './strategy.js';
import { qualifiedResource } from './strategy.js';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  /** Undefined: the object's own default. */
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type DeletePlan = { action: 'delete' } | { action: 'update'; object: KubeObject } | { action: 'none' };

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

function checkPreconditions(strategy: Strategy, obj: KubeObject, opts: DeleteOptions): void {
  const pre = opts.preconditions;
  const resource = qualifiedResource(strategy.info);
  const name = obj.metadata.name ?? '';
  if (pre?.uid && pre.uid !== obj.metadata.uid) {
    throw errors.conflict(resource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
  }
  if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion) {
    throw errors.conflict(
      resource,
      name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`,
    );
  }
}

/** The finalizers after applying the propagation policy (deletionFinalizersForGarbageCollection). */
function gcFinalizers(finalizers: string[], policy: PropagationPolicy | undefined): string[] {
  if (policy === undefined) return finalizers;
  const rest = finalizers.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === 'Orphan') return [...rest, ORPHAN_FINALIZER];
  if (policy === 'Foreground') return [...rest, FOREGROUND_FINALIZER];
  return rest;
}

function addSeconds(date: Date, seconds: number): string {
  return nowRFC3339(new Date(date.getTime() + seconds * 1000));
}

export function planDelete(strategy: Strategy, current: KubeObject, opts: DeleteOptions, now: Date): DeletePlan {
  checkPreconditions(strategy, current, opts);
  const obj = structuredClone(current);
  const meta = obj.metadata;
  const requested = opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds >= 0 ? opts.gracePeriodSeconds : undefined;
  const graceful = strategy.gracePeriodSeconds !== undefined;

  // Namespaces: the first delete only marks; while the kind's own finalizers remain, later ones change nothing.
  if (strategy.markForDeletion) {
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = nowRFC3339(now);
      strategy.markForDeletion(obj);
      const finalizers = gcFinalizers(meta.finalizers ?? [], opts.propagationPolicy);
      if (finalizers.length > 0) meta.finalizers = finalizers;
      else delete meta.finalizers;
      return { action: 'update', object: obj };
    }
    if ((strategy.specFinalizers?.(obj) ?? []).length > 0) return { action: 'none' };
  }

  if (meta.deletionTimestamp) {
    const existing = meta.deletionGracePeriodSeconds;
    if (graceful && existing !== undefined && existing > 0) {
      // A pending graceful deletion may only be shortened.
      if (requested === undefined || requested >= existing) return { action: 'none' };
      const start = Date.parse(meta.deletionTimestamp) - existing * 1000;
      meta.deletionTimestamp = nowRFC3339(new Date(start + requested * 1000));
      meta.deletionGracePeriodSeconds = requested;
      if (requested === 0 && (meta.finalizers ?? []).length === 0) return { action: 'delete' };
      return { action: 'update', object: obj };
    }
    // Already marked with no grace left: it goes once its finalizers are gone.
    if ((meta.finalizers ?? []).length === 0) return { action: 'delete' };
    const finalizers = gcFinalizers(meta.finalizers ?? [], opts.propagationPolicy);
    if (JSON.stringify(finalizers) === JSON.stringify(meta.finalizers)) return { action: 'none' };
    meta.finalizers = finalizers;
    return { action: 'update', object: obj };
  }

  const finalizers = gcFinalizers(meta.finalizers ?? [], opts.propagationPolicy);
  if (finalizers.length > 0) meta.finalizers = finalizers;
  else delete meta.finalizers;
  const period = graceful ? strategy.gracePeriodSeconds!(obj, requested) : 0;

  if (period > 0) {
    meta.deletionTimestamp = addSeconds(now, period);
    meta.deletionGracePeriodSeconds = period;
    if (meta.generation !== undefined) meta.generation += 1;
    return { action: 'update', object: obj };
  }
  if (finalizers.length > 0) {
    meta.deletionTimestamp = nowRFC3339(now);
    meta.deletionGracePeriodSeconds = 0;
    if (meta.generation !== undefined) meta.generation += 1;
    return { action: 'update', object: obj };
  }
  return { action: 'delete' };
}

/**
 * An update that leaves no finalizer on an object marked for deletion whose grace is over deletes it
 * (ShouldDeleteDuringUpdate; for namespaces also ShouldDeleteNamespaceDuringUpdate's spec.finalizers).
 */
export function shouldDeleteDuringUpdate(strategy: Strategy, next: KubeObject, old: KubeObject): boolean {
  const grace = old.metadata.deletionGracePeriodSeconds;
  return (
    (next.metadata.finalizers ?? []).length === 0 &&
    (strategy.specFinalizers?.(next) ?? []).length === 0 &&
    old.metadata.deletionTimestamp !== undefined &&
    (grace === undefined || grace === 0)
  );
}
