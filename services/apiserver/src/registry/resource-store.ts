// The generic store of one kind over Storage, with Kubernetes object semantics
// (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go): validate → default →
// store on create; compare-and-swap updates on resourceVersion; status only through the status
// subresource; deletion through finalizers and grace periods.

import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ApiError, apiVersionOf, applyMergePatch, errors, isApiError, nowRFC3339, type KubeList, type KubeObject, type Scale } from '@skiff/api';
import type { Admission, Operation } from '../admission/admission.js';
import type { Storage, StoredValue } from '../storage/storage.js';
import { decodeObject, encodeObject, listPrefix, objectStorageKey } from './codec.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { decodeBody } from './decode.js';
import { planDelete, shouldDeleteDuringUpdate, type DeleteOptions } from './delete-plan.js';
import { ObjectFilter, type FilterOptions } from './object-filter.js';
import { viaStorage } from './storage-errors.js';
import { NO_TRANSACTION, qualifiedKind, qualifiedResource, type Strategy, type WriteHooks } from './strategy.js';
import { recordUpdate } from './managed-fields/update.js';
import { prepareUpdate } from './prepare-update.js';
import { applyScale, decodeScale, scaleOf } from './scale.js';
import { fe } from './validation/field-errors.js';

export interface WriteOptions {
  dryRun?: boolean;
  /**
   * Who makes a non-apply write (the REST API's fieldManager, or the User-Agent's program): recorded
   * in metadata.managedFields as an Update entry, so server-side apply sees the fields it owns.
   * Absent (gRPC clients): managedFields are left as they are.
   */
  fieldManager?: string;
  /** "" (the object), "status", "scale" (Deployments, ReplicaSets) or a kind's own ("finalize" for namespaces). */
  subresource?: string;
}

export interface GetOptions {
  /** "" (the object), "status" (the object too) or "scale" (an autoscaling/v1 Scale). */
  subresource?: string;
}

export interface ListOptions extends FilterOptions {
  limit?: number;
  continue?: string;
}

export type NamespaceState = 'active' | 'terminating' | 'missing';

export interface StoreDeps {
  storage: Storage;
  /** Whether a namespace exists (and is not being deleted): namespaced kinds check before create. */
  namespaceState: (namespace: string) => Promise<NamespaceState>;
  /** Admission plugins: mutating after defaults, validating right before the write (src/admission). */
  admission?: Admission;
  now?: () => Date;
}

const MAX_RETRIES = 8;
const GENERATE_NAME_ATTEMPTS = 8;
const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return `${prefix}${suffix}`;
}

export class ResourceStore {
  readonly resource: string;
  private readonly now: () => Date;

  constructor(
    readonly strategy: Strategy,
    private readonly deps: StoreDeps,
    /** The kind's hooks around writes (strategy.writeHooks), for kinds that hold more than their key. */
    private readonly hooks: WriteHooks = {},
  ) {
    this.resource = qualifiedResource(strategy.info);
    this.now = deps.now ?? (() => new Date());
  }

  get info() {
    return this.strategy.info;
  }

  key(namespace: string, name: string): string {
    return objectStorageKey(this.info, namespace, name);
  }

  /** The namespace a request is about: '' for cluster-scoped kinds, else the ref's or the object's. */
  private resolveNamespace(refNamespace: string, obj: KubeObject): string {
    if (!this.info.namespaced) {
      delete obj.metadata.namespace;
      return '';
    }
    const objNs = obj.metadata.namespace ?? '';
    if (refNamespace && objNs && refNamespace !== objNs) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const ns = refNamespace || objNs || 'default';
    obj.metadata.namespace = ns;
    return ns;
  }

  private invalid(obj: KubeObject, fieldErrors: ReturnType<Strategy['validate']>): never {
    throw errors.invalid(qualifiedKind(this.info), obj.metadata.name ?? obj.metadata.generateName ?? '', fieldErrors);
  }

  async create(namespace: string, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    if (opts.subresource) throw errors.badRequest(`create is not supported on the ${this.info.resource}/${opts.subresource} subresource`);
    const obj = decodeBody(this.strategy, body);
    const ns = this.resolveNamespace(namespace, obj);
    const meta = obj.metadata;
    if (meta.resourceVersion) throw errors.badRequest('resourceVersion should not be set on objects to be created');
    // NamespaceLifecycle admission runs before the object is defaulted and validated.
    if (this.info.namespaced) await this.checkNamespace(ns, meta.name ?? '');
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRFC3339(this.now());
    if (this.strategy.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    this.strategy.applyDefaults(obj);
    const admit = this.admissionAttributes('CREATE', ns, obj, undefined, opts);
    await this.deps.admission?.admit(admit);
    this.strategy.prepareForCreate(obj);
    const problems = [...this.strategy.validate(obj), ...this.strategy.validateStatus(obj, obj)];
    if (problems.length > 0) this.invalid(obj, problems);
    await this.deps.admission?.validate(admit);

    const generated = !meta.name && meta.generateName !== undefined;
    if (generated) meta.name = generateName(meta.generateName ?? '');
    if (opts.fieldManager) meta.managedFields = this.recordManager(undefined, obj, opts).metadata.managedFields ?? [];
    if (this.hooks.beginCreate && !generated) {
      // A taken name is the answer before whatever reserving values for it would say.
      const name = meta.name ?? '';
      if (await viaStorage(this.resource, name, () => this.deps.storage.get(this.key(ns, name)))) throw errors.alreadyExists(this.resource, name);
    }
    const txn = (await this.hooks.beginCreate?.(obj, { dryRun: opts.dryRun ?? false })) ?? NO_TRANSACTION;
    try {
      const created = await this.createStored(ns, obj, generated, opts);
      await txn.commit();
      return created;
    } catch (e) {
      await txn.revert();
      throw e;
    }
  }

  private recordManager(old: KubeObject | undefined, obj: KubeObject, opts: WriteOptions): KubeObject {
    const recorded = recordUpdate(old, obj, opts.fieldManager ?? '', { now: nowRFC3339(this.now()), apiVersion: apiVersionOf(this.info), subresource: opts.subresource ?? '' });
    if (recorded.metadata.managedFields?.length === 0) delete recorded.metadata.managedFields;
    return recorded;
  }

  /** Writes a new object, retrying generated names that are taken. */
  private async createStored(ns: string, obj: KubeObject, generated: boolean, opts: WriteOptions): Promise<KubeObject> {
    const meta = obj.metadata;
    for (let attempt = 0; ; attempt++) {
      if (generated && attempt > 0) meta.name = generateName(meta.generateName ?? '');
      const name = meta.name ?? '';
      if (opts.dryRun) {
        const existing = await viaStorage(this.resource, name, () => this.deps.storage.get(this.key(ns, name)));
        if (existing) throw errors.alreadyExists(this.resource, name);
        return obj;
      }
      try {
        const rev = await viaStorage(this.resource, name, () => this.deps.storage.create(this.key(ns, name), encodeObject(obj)));
        meta.resourceVersion = String(rev);
        return obj;
      } catch (e) {
        if (!(generated && isApiError(e, 'AlreadyExists') && attempt + 1 < GENERATE_NAME_ATTEMPTS)) throw e;
      }
    }
  }

  private admissionAttributes(operation: Operation, namespace: string, object: KubeObject, oldObject: KubeObject | undefined, opts: WriteOptions) {
    return { operation, info: this.info, subresource: '', namespace, object, ...(oldObject ? { oldObject } : {}), dryRun: opts.dryRun ?? false };
  }

  /** NamespaceLifecycle: a namespaced object is created only in a namespace that exists and is not terminating. */
  private async checkNamespace(ns: string, name: string): Promise<void> {
    const state = await this.deps.namespaceState(ns);
    if (state === 'missing') throw errors.notFound('namespaces', ns);
    if (state === 'terminating') {
      const why = `unable to create new content in namespace ${ns} because it is being terminated`;
      // admission.NewForbidden: without a name yet (generateName), the message names only the resource.
      throw new ApiError('Forbidden', name ? `${this.resource} "${name}" is forbidden: ${why}` : `${this.resource} is forbidden: ${why}`, {
        name,
        kind: this.resource,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  }

  /** The namespace of a get, update or delete: '' for cluster-scoped kinds, `default` when none is given. */
  private ns(namespace: string): string {
    return this.info.namespaced ? namespace || 'default' : '';
  }

  private async read(namespace: string, name: string): Promise<StoredValue> {
    const ns = this.ns(namespace);
    if (!name) throw errors.badRequest('resource name may not be empty');
    const stored = await viaStorage(this.resource, name, () => this.deps.storage.get(this.key(ns, name)));
    if (!stored) throw errors.notFound(this.resource, name);
    return stored;
  }

  async get(namespace: string, name: string, opts: GetOptions = {}): Promise<KubeObject> {
    const sub = opts.subresource ?? '';
    const supported = sub === '' || (sub === 'status' && this.strategy.hasStatusSubresource) || (sub === 'scale' && this.strategy.hasScaleSubresource);
    if (!supported) throw errors.notFound(`${this.info.resource}/${sub}`, name);
    const stored = await this.read(namespace, name);
    const obj = decodeObject(stored.value, stored.modRevision);
    return sub === 'scale' ? scaleOf(obj) : obj;
  }

  async list(opts: ListOptions = {}): Promise<KubeList> {
    const filter = ObjectFilter.parse(this.strategy, opts);
    const prefix = listPrefix(this.info, filter.namespace);
    const token = opts.continue ? decodeContinue(opts.continue, prefix) : undefined;
    const result = await viaStorage(this.resource, '', () => this.deps.storage.list(prefix));
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;
    const items: KubeObject[] = [];
    let lastKey = '';
    let more = false;
    for (const sv of result.items) {
      if (token && sv.key <= token.start) continue;
      const obj = decodeObject(sv.value, sv.modRevision);
      if (!filter.matches(obj)) continue;
      if (items.length >= limit) {
        more = true;
        break;
      }
      items.push(obj);
      lastKey = sv.key;
    }
    const rv = token?.rv ?? result.revision;
    const list: KubeList = {
      apiVersion: apiVersionOf(this.info),
      kind: `${this.info.kind}List`,
      metadata: { resourceVersion: String(rv) },
      items,
    };
    if (more) list.metadata.continue = encodeContinue({ rv, start: lastKey });
    return list;
  }

  /**
   * Replaces the object (or a subresource). With metadata.resourceVersion it is a compare-and-swap on
   * it; without, kinds that allow unconditional updates replace whatever is stored (still a
   * compare-and-swap on the revision just read, retried when another write wins the race).
   */
  async update(namespace: string, name: string, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    if (opts.subresource === 'scale') return this.updateScale(namespace, name, body, opts);
    const first = decodeBody(this.strategy, body);
    const ns = this.resolveNamespace(namespace, first);
    if (first.metadata.name && name && first.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${first.metadata.name}) does not match the name on the URL (${name})`);
    }
    const objName = name || first.metadata.name || '';
    const rv = first.metadata.resourceVersion;
    if (!rv && this.strategy.allowUnconditionalUpdate === false) {
      throw errors.invalid(qualifiedKind(this.info), objName, [
        { type: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' },
      ]);
    }
    return this.retrying(ns, objName, rv, async (current) => {
      const next = decodeBody(this.strategy, body);
      this.resolveNamespace(ns, next);
      next.metadata.name = objName;
      next.metadata.resourceVersion = current.metadata.resourceVersion ?? '';
      return this.write(ns, current, next, opts);
    });
  }

  /**
   * Reads the object and runs `attempt` on it. With a resourceVersion precondition a stale read is a
   * Conflict; without one a Conflict (another write won the race) reads again and retries.
   */
  private async retrying<T>(ns: string, name: string, precondition: string | undefined, attempt: (current: KubeObject) => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      const stored = await this.read(ns, name);
      const current = decodeObject(stored.value, stored.modRevision);
      if (precondition && precondition !== current.metadata.resourceVersion) throw errors.staleResourceVersion(this.resource, name);
      try {
        return await attempt(current);
      } catch (e) {
        if (!(isApiError(e, 'Conflict') && !precondition && i + 1 < MAX_RETRIES)) throw e;
      }
    }
  }

  /** The kind must have the scale subresource. */
  private checkScalable(name: string): void {
    if (!this.strategy.hasScaleSubresource) throw errors.notFound(`${this.info.resource}/scale`, name);
  }

  /** Writes a Scale over the object's spec.replicas; returns the new Scale. */
  private async writeScale(ns: string, current: KubeObject, scale: Scale, opts: WriteOptions): Promise<Scale> {
    const next = applyScale(this.info, current, scale);
    return scaleOf(await this.write(ns, current, next, { ...opts, subresource: '' }));
  }

  /** Update of the `scale` subresource: a Scale whose resourceVersion, when set, is a precondition. */
  private async updateScale(namespace: string, name: string, body: unknown, opts: WriteOptions): Promise<Scale> {
    this.checkScalable(name);
    const scale = decodeScale(this.info, body);
    const ns = this.ns(namespace);
    const meta = scale.metadata;
    if (meta.namespace && this.info.namespaced && namespace && meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (meta.name && name && meta.name !== name) {
      throw errors.badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    }
    const objName = name || meta.name || '';
    return this.retrying(ns, objName, meta.resourceVersion, (current) => this.writeScale(ns, current, scale, opts));
  }

  /** Merge patch of the `scale` subresource: applied to the current Scale, then written as an update. */
  private async patchScale(namespace: string, name: string, patch: object, opts: WriteOptions): Promise<Scale> {
    this.checkScalable(name);
    const ns = this.ns(namespace);
    const pinned = pinnedResourceVersion(patch);
    return this.retrying(ns, name, pinned, async (current) => {
      const scale = decodeScale(this.info, applyMergePatch(scaleOf(current), patch));
      if (scale.metadata.name !== name) throw fieldImmutable(this.info, name, 'metadata.name', scale.metadata.name);
      return this.writeScale(ns, current, scale, opts);
    });
  }

  /** Validates and writes `next` over `current` (whose resourceVersion is the compare-and-swap revision). */
  private async write(ns: string, current: KubeObject, next: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const name = current.metadata.name ?? '';
    let updated = prepareUpdate(this.strategy, current, next, opts.subresource ?? '');
    if (opts.fieldManager) updated = this.recordManager(current, updated, opts);
    if (!opts.subresource && this.deps.admission) {
      const admit = this.admissionAttributes('UPDATE', ns, updated, current, opts);
      await this.deps.admission.admit(admit);
      await this.deps.admission.validate(admit);
    }
    const expected = Number(current.metadata.resourceVersion);
    const key = this.key(ns, name);
    // Checked before the no-op test, as the generic store does: an update of a namespace that is
    // marked and has no finalizers left removes it even when it changes nothing.
    if (shouldDeleteDuringUpdate(this.strategy, updated, current)) {
      if (opts.dryRun) return updated;
      const rev = await viaStorage(this.resource, name, () => this.deps.storage.delete(key, expected));
      await this.hooks.afterDelete?.(current);
      updated.metadata.resourceVersion = String(rev);
      return updated;
    }
    const { resourceVersion: _a, ...a } = updated.metadata;
    const { resourceVersion: _b, ...b } = current.metadata;
    if (isDeepStrictEqual({ ...updated, metadata: a }, { ...current, metadata: b })) return current;
    const txn = (await this.hooks.beginUpdate?.(updated, current, { dryRun: opts.dryRun ?? false })) ?? NO_TRANSACTION;
    if (opts.dryRun) {
      await txn.revert();
      return updated;
    }
    try {
      const rev = await viaStorage(this.resource, name, () => this.deps.storage.update(key, encodeObject(updated), expected));
      await txn.commit();
      updated.metadata.resourceVersion = String(rev);
      return updated;
    } catch (e) {
      await txn.revert();
      throw e;
    }
  }

  /** JSON merge patch on the current object, then an update. Retries on conflict unless the patch names a resourceVersion. */
  async patch(namespace: string, name: string, patch: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw errors.badRequest('the patch must be a JSON object (application/merge-patch+json)');
    }
    if (opts.subresource === 'scale') return this.patchScale(namespace, name, patch, opts);
    const ns = this.ns(namespace);
    return this.retrying(ns, name, pinnedResourceVersion(patch), async (current) => {
      const next = decodeBody(this.strategy, applyMergePatch(current, patch));
      this.resolveNamespace(ns, next);
      if (next.metadata.name !== name) throw fieldImmutable(this.info, name, 'metadata.name', next.metadata.name);
      next.metadata.resourceVersion = current.metadata.resourceVersion ?? '';
      return this.write(ns, current, next, opts);
    });
  }

  /** Reads, applies `mutate` and writes with compare-and-swap, retrying on conflict. No validation: for system writes such as binding. */
  async guaranteedUpdate(namespace: string, name: string, mutate: (obj: KubeObject) => KubeObject): Promise<KubeObject> {
    const ns = this.ns(namespace);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.read(ns, name);
      const current = decodeObject(stored.value, stored.modRevision);
      const next = mutate(structuredClone(current));
      try {
        const rev = await viaStorage(this.resource, name, () => this.deps.storage.update(this.key(ns, name), encodeObject(next), stored.modRevision));
        next.metadata.resourceVersion = String(rev);
        return next;
      } catch (e) {
        if (!(isApiError(e, 'Conflict') && attempt + 1 < MAX_RETRIES)) throw e;
      }
    }
  }

  async delete(namespace: string, name: string, opts: DeleteOptions = {}, dryRun = false): Promise<KubeObject> {
    const forbidden = this.strategy.deleteForbidden?.(name);
    if (forbidden) throw errors.forbidden(this.resource, name, forbidden);
    const ns = this.ns(namespace);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.read(ns, name);
      const current = decodeObject(stored.value, stored.modRevision);
      const plan = planDelete(this.strategy, current, opts, this.now());
      if (plan.action === 'none') return current;
      if (dryRun) return plan.action === 'update' ? plan.object : current;
      try {
        if (plan.action === 'delete') {
          await viaStorage(this.resource, name, () => this.deps.storage.delete(this.key(ns, name), stored.modRevision));
          await this.hooks.afterDelete?.(current);
          return current;
        }
        const rev = await viaStorage(this.resource, name, () =>
          this.deps.storage.update(this.key(ns, name), encodeObject(plan.object), stored.modRevision),
        );
        plan.object.metadata.resourceVersion = String(rev);
        return plan.object;
      } catch (e) {
        if (!(isApiError(e, 'Conflict') && attempt + 1 < MAX_RETRIES)) throw e;
      }
    }
  }
}

/** The resourceVersion a merge patch names (a precondition), if any. */
function pinnedResourceVersion(patch: object): string | undefined {
  const rv = (patch as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
  return rv === undefined || rv === null || rv === '' ? undefined : String(rv);
}

function fieldImmutable(info: Strategy['info'], name: string, field: string, value: unknown) {
  return errors.invalid(qualifiedKind(info), name, [fe.invalid(field, value, 'field is immutable')]);
}
