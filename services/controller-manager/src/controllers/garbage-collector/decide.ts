// The garbage collector's decisions, as pure functions, after Kubernetes'
// pkg/controller/garbagecollector/garbagecollector.go (attemptToDeleteItem, classifyReferences,
// processDeletingDependentsItem, orphanDependents).
//
// A dependent is an object with ownerReferences. Each owner reference is classified:
//  - solid: the owner exists with that uid and is not waiting for its dependents to go;
//  - dangling: no object with that uid exists (the owner was deleted);
//  - waitingForDependentsDeletion: the owner is being deleted in the foreground.
// A dependent with no solid owner is deleted; one with a solid owner just loses its dangling and
// waiting references. An owner being deleted with the `orphan` finalizer first removes itself from
// its dependents' references; one with `foregroundDeletion` waits until its blocking dependents are
// gone, then drops the finalizer (the apiserver then removes it).

import type { KubeObject, OwnerReference } from '@skiff/api';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export type OwnerClass = 'solid' | 'dangling' | 'waitingForDependentsDeletion';

export interface ClassifiedReference {
  ref: OwnerReference;
  cls: OwnerClass;
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export type DependentAction =
  | { action: 'none' }
  | { action: 'delete'; propagationPolicy: PropagationPolicy }
  | { action: 'removeOwnerReferences'; uids: string[] };

export function hasFinalizer(obj: Readonly<KubeObject>, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/** What an owner that exists with the referenced uid means for its dependents. */
export function classifyExistingOwner(owner: Readonly<KubeObject>): OwnerClass {
  return owner.metadata.deletionTimestamp && hasFinalizer(owner, FINALIZER_FOREGROUND) ? 'waitingForDependentsDeletion' : 'solid';
}

/** The policy to delete an object with: the one its own finalizers ask for, Background otherwise. */
export function ownPropagationPolicy(obj: Readonly<KubeObject>): PropagationPolicy {
  if (hasFinalizer(obj, FINALIZER_ORPHAN)) return 'Orphan';
  if (hasFinalizer(obj, FINALIZER_FOREGROUND)) return 'Foreground';
  return 'Background';
}

/**
 * What to do with a dependent that is not itself being deleted, given its classified owner
 * references and whether anything depends on it in turn.
 */
export function decideDependent(refs: readonly ClassifiedReference[], hasDependents: boolean, obj: Readonly<KubeObject>): DependentAction {
  if (refs.length === 0) return { action: 'none' };
  const solid = refs.filter((r) => r.cls === 'solid');
  const stale = refs.filter((r) => r.cls !== 'solid');
  if (solid.length > 0) {
    if (stale.length === 0) return { action: 'none' };
    // Still owned by someone: only drop the references to owners that are gone or going.
    return { action: 'removeOwnerReferences', uids: stale.map((r) => r.ref.uid) };
  }
  const waiting = refs.some((r) => r.cls === 'waitingForDependentsDeletion');
  // An owner waits for us in the foreground: our own dependents must go before we do.
  if (waiting && hasDependents) return { action: 'delete', propagationPolicy: 'Foreground' };
  return { action: 'delete', propagationPolicy: ownPropagationPolicy(obj) };
}

/** The reference a dependent holds to `owner`, if any. */
export function referenceTo(dependent: Readonly<KubeObject>, ownerUid: string): OwnerReference | undefined {
  return dependent.metadata.ownerReferences?.find((r) => r.uid === ownerUid);
}

export interface OwnerPlan {
  /** Dependents to strip of their reference to the owner (orphan finalizer). */
  orphan: Readonly<KubeObject>[];
  /** Dependents to look at again (they may now be deleted: foreground deletion). */
  recheck: Readonly<KubeObject>[];
  /** Finalizers to remove from the owner, after `orphan` succeeded. */
  removeFinalizers: string[];
}

/**
 * What to do for an owner that is being deleted, given its dependents (objects that reference its
 * uid). Returns an empty plan for an owner that is not being deleted or has no GC finalizer.
 */
export function planDeletingOwner(owner: Readonly<KubeObject>, dependents: readonly Readonly<KubeObject>[]): OwnerPlan {
  const plan: OwnerPlan = { orphan: [], recheck: [], removeFinalizers: [] };
  if (!owner.metadata.deletionTimestamp) return plan;
  const uid = owner.metadata.uid ?? '';
  const mine = dependents.filter((d) => referenceTo(d, uid) !== undefined);
  if (hasFinalizer(owner, FINALIZER_ORPHAN)) {
    plan.orphan = [...mine];
    plan.removeFinalizers.push(FINALIZER_ORPHAN);
    return plan; // a foregroundDeletion finalizer too is handled on the next pass, with no dependents left

  }
  if (hasFinalizer(owner, FINALIZER_FOREGROUND)) {
    const blocking = mine.filter((d) => referenceTo(d, uid)?.blockOwnerDeletion === true);
    plan.recheck = mine.filter((d) => !d.metadata.deletionTimestamp || hasFinalizer(d, FINALIZER_FOREGROUND));
    if (blocking.length === 0) plan.removeFinalizers.push(FINALIZER_FOREGROUND);
  }
  return plan;
}

/** `ownerReferences` without the given uids; null (remove the field) when none remain. */
export function remainingReferences(obj: Readonly<KubeObject>, uids: readonly string[]): OwnerReference[] | null {
  const rest = (obj.metadata.ownerReferences ?? []).filter((r) => !uids.includes(r.uid));
  return rest.length > 0 ? rest.map((r) => ({ ...r })) : null;
}

/** `finalizers` without the given names; null when none remain. */
export function remainingFinalizers(obj: Readonly<KubeObject>, names: readonly string[]): string[] | null {
  const rest = (obj.metadata.finalizers ?? []).filter((f) => !names.includes(f));
  return rest.length > 0 ? rest : null;
}
