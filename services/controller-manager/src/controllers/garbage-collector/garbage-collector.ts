// The garbage collector: deletes objects whose owners are gone, and carries out the apiserver's
// `orphan` and `foregroundDeletion` finalizers. Generic over the kinds it is given informers for
// (pods and replicasets today): each informer is indexed by owner uid, so "who depends on X" is a
// cache lookup instead of Kubernetes' dependency graph. An owner missing from the caches is
// confirmed absent with a live read before anything is deleted (the caches may simply be behind).

import { isApiError, objectKey, resourceForKind, type KubeObject, type OwnerReference } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { indexers, runWorkers, WorkQueue, type Clock, type Informer, type ReconcileResult } from '@skiff/machinery';
import {
  classifyExistingOwner,
  decideDependent,
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
  hasFinalizer,
  planDeletingOwner,
  remainingFinalizers,
  remainingReferences,
  type ClassifiedReference,
  type OwnerClass,
} from './decide.js';

export const CONTROLLER_NAME = 'garbagecollector';
export const OWNER_UIDS_INDEX = 'ownerUids';
const ABSENT_OWNER_CACHE_SIZE = 500;

export interface GarbageCollectorDeps {
  /** Resource name ("pods") → its informer: the kinds whose objects are collected and resolved. */
  informers: ReadonlyMap<string, Informer<KubeObject>>;
  client: Pick<ApiClient, 'get' | 'delete' | 'patch'>;
  clock: Clock;
  log: Logger;
  queue?: WorkQueue;
}

interface Located {
  resource: string;
  obj: Readonly<KubeObject>;
}

function refsEqual(a: readonly OwnerReference[] | undefined, b: readonly OwnerReference[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => r.uid === y[i]?.uid && r.blockOwnerDeletion === y[i]?.blockOwnerDeletion);
}

function listEqual(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function isGcFinalizing(obj: Readonly<KubeObject>): boolean {
  return obj.metadata.deletionTimestamp !== undefined && (hasFinalizer(obj, FINALIZER_ORPHAN) || hasFinalizer(obj, FINALIZER_FOREGROUND));
}

export class GarbageCollector {
  readonly queue: WorkQueue;
  private readonly log: Logger;
  /** Owner uids confirmed absent by a live read (Kubernetes' absentOwnerCache). */
  private readonly absentOwners = new Map<string, true>();

  constructor(private readonly deps: GarbageCollectorDeps) {
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.queue = deps.queue ?? new WorkQueue({ clock: deps.clock, name: CONTROLLER_NAME });
    for (const [resource, informer] of deps.informers) {
      informer.addIndex(OWNER_UIDS_INDEX, indexers.ownerUids);
      informer.on({
        add: (obj) => {
          if ((obj.metadata.ownerReferences?.length ?? 0) > 0 || isGcFinalizing(obj)) this.enqueue(resource, obj);
        },
        update: (old, cur) => {
          const changed =
            !refsEqual(old.metadata.ownerReferences, cur.metadata.ownerReferences) ||
            old.metadata.deletionTimestamp !== cur.metadata.deletionTimestamp ||
            !listEqual(old.metadata.finalizers, cur.metadata.finalizers);
          if (!changed) return;
          this.enqueue(resource, cur);
          this.enqueueDeletingOwners(old);
          this.enqueueDeletingOwners(cur);
        },
        delete: (obj) => {
          this.enqueueDependents(obj);
          this.enqueueDeletingOwners(obj);
        },
      });
    }
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
  }

  private enqueue(resource: string, obj: Readonly<KubeObject>): void {
    this.queue.add(`${resource}:${objectKey(obj)}`);
  }

  /** Every cached object, of any watched kind, that references `owner`'s uid. */
  private dependentsOf(owner: Readonly<KubeObject>): Located[] {
    const uid = owner.metadata.uid;
    if (!uid) return [];
    const out: Located[] = [];
    for (const [resource, informer] of this.deps.informers) {
      for (const obj of informer.byIndex(OWNER_UIDS_INDEX, uid)) {
        // A namespaced owner only owns objects in its own namespace.
        if (owner.metadata.namespace && obj.metadata.namespace !== owner.metadata.namespace) continue;
        out.push({ resource, obj });
      }
    }
    return out;
  }

  private enqueueDependents(owner: Readonly<KubeObject>): void {
    for (const d of this.dependentsOf(owner)) this.enqueue(d.resource, d.obj);
  }

  /** Owners (in the caches) that are being deleted and may be waiting on this object. */
  private enqueueDeletingOwners(dependent: Readonly<KubeObject>): void {
    for (const ref of dependent.metadata.ownerReferences ?? []) {
      const info = resourceForKind(ref.apiVersion, ref.kind);
      const informer = info && this.deps.informers.get(info.resource);
      if (!info || !informer) continue;
      const ns = info.namespaced ? (dependent.metadata.namespace ?? '') : '';
      const owner = informer.get(ns ? `${ns}/${ref.name}` : ref.name);
      if (owner && owner.metadata.uid === ref.uid && owner.metadata.deletionTimestamp) this.enqueue(info.resource, owner);
    }
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const sep = key.indexOf(':');
    const resource = key.slice(0, sep);
    const obj = this.deps.informers.get(resource)?.get(key.slice(sep + 1));
    if (!obj) return;
    const log = this.log.child({ key });
    if (obj.metadata.deletionTimestamp) {
      // Being deleted: the GC's only business is the finalizers it owns.
      if (isGcFinalizing(obj)) await this.finalizeOwner(resource, obj, log);
      return;
    }
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const classified: ClassifiedReference[] = await Promise.all(refs.map(async (ref) => ({ ref, cls: await this.classify(obj, ref, log) })));
    const action = decideDependent(classified, this.dependentsOf(obj).length > 0, obj);
    const { namespace = '', name = '', uid } = obj.metadata;
    switch (action.action) {
      case 'none':
        return;
      case 'removeOwnerReferences':
        log.info({ owners: action.uids }, 'removing references to owners that are gone or being deleted');
        await this.patchIgnoringNotFound(resource, obj, { metadata: { ownerReferences: remainingReferences(obj, action.uids) } });
        return;
      case 'delete':
        log.info({ propagationPolicy: action.propagationPolicy, owners: classified.map((c) => `${c.ref.kind}/${c.ref.name}:${c.cls}`) }, 'deleting object whose owners are gone');
        try {
          await this.deps.client.delete(resource, namespace, name, {
            propagationPolicy: action.propagationPolicy,
            ...(uid ? { preconditions: { uid } } : {}),
          });
        } catch (e) {
          // Gone already, or replaced by a new object of the same name (uid precondition): done.
          if (!isApiError(e, 'NotFound') && !isApiError(e, 'Conflict')) throw e;
        }
        return;
    }
  }

  /** Orphan finalizer: strip dependents' references, then the finalizer. Foreground: wait, then drop it. */
  private async finalizeOwner(resource: string, owner: Readonly<KubeObject>, log: Logger): Promise<void> {
    const dependents = this.dependentsOf(owner);
    const resourceOf = new Map(dependents.map((d) => [d.obj, d.resource] as const));
    const plan = planDeletingOwner(owner, dependents.map((d) => d.obj));
    const uid = owner.metadata.uid ?? '';
    for (const d of plan.recheck) this.enqueue(resourceOf.get(d) ?? '', d);
    if (plan.orphan.length > 0) log.info({ dependents: plan.orphan.length }, 'orphaning dependents');
    await Promise.all(
      plan.orphan.map((d) => this.patchIgnoringNotFound(resourceOf.get(d) ?? '', d, { metadata: { ownerReferences: remainingReferences(d, [uid]) } })),
    );
    if (plan.removeFinalizers.length === 0) {
      if (plan.recheck.length > 0) log.debug({ dependents: plan.recheck.length }, 'waiting for dependents to be deleted');
      return;
    }
    log.info({ finalizers: plan.removeFinalizers }, 'removing finalizers');
    await this.patchIgnoringNotFound(resource, owner, { metadata: { finalizers: remainingFinalizers(owner, plan.removeFinalizers) } });
  }

  /**
   * A merge patch guarded by the object's uid and resourceVersion (as cached): if it changed, the
   * apiserver answers Conflict and the key is retried on the newer object.
   */
  private async patchIgnoringNotFound(resource: string, obj: Readonly<KubeObject>, patch: { metadata: Record<string, unknown> }): Promise<void> {
    const { namespace = '', name = '', uid, resourceVersion } = obj.metadata;
    const guarded = { metadata: { ...patch.metadata, ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) } };
    try {
      await this.deps.client.patch(resource, namespace, name, guarded);
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
    }
  }

  /** Classifies one owner reference, reading the owner live when the caches do not have it. */
  private async classify(dependent: Readonly<KubeObject>, ref: OwnerReference, log: Logger): Promise<OwnerClass> {
    const info = resourceForKind(ref.apiVersion, ref.kind);
    if (!info) {
      log.debug({ owner: `${ref.apiVersion}/${ref.kind}` }, 'owner of an unknown kind: leaving the reference alone');
      return 'solid';
    }
    if (info.namespaced && !dependent.metadata.namespace) {
      log.warn({ owner: `${ref.kind}/${ref.name}` }, 'cluster-scoped object refers to a namespaced owner: leaving it alone');
      return 'solid';
    }
    const namespace = info.namespaced ? (dependent.metadata.namespace ?? '') : '';
    const cached = this.deps.informers.get(info.resource)?.get(namespace ? `${namespace}/${ref.name}` : ref.name);
    if (cached && cached.metadata.uid === ref.uid) return classifyExistingOwner(cached);
    if (this.absentOwners.has(ref.uid)) return 'dangling';
    let live: KubeObject;
    try {
      live = await this.deps.client.get<KubeObject>(info.resource, namespace, ref.name);
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
      this.rememberAbsent(ref.uid);
      return 'dangling';
    }
    if (live.metadata.uid !== ref.uid) {
      this.rememberAbsent(ref.uid);
      return 'dangling';
    }
    return classifyExistingOwner(live);
  }

  private rememberAbsent(uid: string): void {
    if (this.absentOwners.size >= ABSENT_OWNER_CACHE_SIZE) {
      const oldest = this.absentOwners.keys().next().value;
      if (oldest !== undefined) this.absentOwners.delete(oldest);
    }
    this.absentOwners.set(uid, true);
  }
}
