// Adoption and release through controller references, after Kubernetes'
// pkg/controller/controller_ref_manager.go (ClaimObject, AdoptX, ReleaseX), shared by the
// ReplicaSet controller (claiming pods) and the Deployment controller (claiming ReplicaSets).

import { controllerOf, isApiError, objectKey, type KubeObject, type OwnerReference, type Selector } from '@skiff/api';
import type { Logger } from '@skiff/component';

export interface Claims<T> {
  /** What the owner controls after the claim (including what it adopts). */
  owned: T[];
  /** Orphans to adopt (add our controller ownerReference). */
  adopt: T[];
  /** Owned objects that no longer match and are to be released (our reference removed). */
  release: T[];
}

/**
 * Splits objects by their relation to `owner` (ClaimObject): owned and matching → keep; owned and
 * not matching → release (unless the owner is being deleted); orphan, matching, active, same
 * namespace → adopt (unless the owner is being deleted); controlled by another → ignore.
 * Inactive objects (terminating, finished) stay owned (never released or adopted). An empty
 * selector matches nothing here: Kubernetes refuses it, and never adopts with one.
 */
export function claimObjects<T extends KubeObject>(
  owner: Readonly<KubeObject>,
  selector: Selector,
  objects: readonly Readonly<T>[],
  isActive: (obj: Readonly<T>) => boolean,
): Claims<Readonly<T>> {
  const uid = owner.metadata.uid;
  const ownerDeleting = owner.metadata.deletionTimestamp !== undefined;
  const owned: Readonly<T>[] = [];
  const adopt: Readonly<T>[] = [];
  const release: Readonly<T>[] = [];
  for (const obj of objects) {
    if (obj.metadata.namespace !== owner.metadata.namespace) continue;
    const inactive = !isActive(obj);
    const ref = controllerOf(obj);
    const matches = !selector.isEmpty() && selector.matches(obj.metadata.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches || inactive) owned.push(obj);
      else if (!ownerDeleting) release.push(obj);
      continue;
    }
    if (ownerDeleting || !matches || inactive) continue;
    adopt.push(obj);
  }
  return { owned: [...owned, ...adopt], adopt, release };
}

export interface ApplyClaimsOptions<T extends KubeObject> {
  /** The controller reference to add on adoption. */
  ref: OwnerReference;
  adopt: readonly Readonly<T>[];
  release: readonly Readonly<T>[];
  /**
   * Re-reads the owner live before any adoption and throws if it is gone or being deleted: the
   * cache may be behind (Kubernetes' RecheckDeletionTimestamp, #42639).
   */
  recheckOwner: () => Promise<void>;
  /** A JSON merge patch of one object; NotFound means it is gone, nothing to claim. */
  patch: (obj: Readonly<T>, patch: unknown) => Promise<void>;
  log: Logger;
}

/**
 * Adopts and releases, each as a merge patch of `ownerReferences` pinned to the object's uid and
 * resourceVersion (a stale one answers Conflict, and the caller retries on fresh caches).
 */
export async function applyClaims<T extends KubeObject>(o: ApplyClaimsOptions<T>): Promise<void> {
  if (o.adopt.length > 0) await o.recheckOwner();
  const pin = (obj: Readonly<T>) => ({ resourceVersion: obj.metadata.resourceVersion, uid: obj.metadata.uid });
  const patches: Promise<void>[] = [];
  for (const obj of o.adopt) {
    o.log.info({ object: objectKey(obj), kind: obj.kind }, 'adopting');
    patches.push(patchIgnoringNotFound(o, obj, { metadata: { ownerReferences: [...(obj.metadata.ownerReferences ?? []), o.ref], ...pin(obj) } }));
  }
  for (const obj of o.release) {
    const rest = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== o.ref.uid);
    o.log.info({ object: objectKey(obj), kind: obj.kind }, 'releasing');
    patches.push(patchIgnoringNotFound(o, obj, { metadata: { ownerReferences: rest.length > 0 ? rest : null, ...pin(obj) } }));
  }
  const results = await Promise.allSettled(patches);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function patchIgnoringNotFound<T extends KubeObject>(o: ApplyClaimsOptions<T>, obj: Readonly<T>, patch: unknown): Promise<void> {
  try {
    await o.patch(obj, patch);
  } catch (e) {
    if (!isApiError(e, 'NotFound')) throw e;
  }
}

/** Throws unless `fresh` (a live read) is still `cached`'s object and not being deleted. */
export function assertOwnerCurrent(cached: Readonly<KubeObject>, fresh: Readonly<KubeObject>): void {
  const what = `${cached.kind} ${objectKey(cached)}`;
  if (fresh.metadata.uid !== cached.metadata.uid) {
    throw new Error(`original ${what} is gone: got uid ${fresh.metadata.uid ?? ''}, wanted ${cached.metadata.uid ?? ''}`);
  }
  if (fresh.metadata.deletionTimestamp) throw new Error(`${what} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
}
