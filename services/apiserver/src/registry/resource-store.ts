// The generic store of one kind over Storage, with Kubernetes object semantics
// (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go): validate → default →
// store on create; compare-and-swap updates on resourceVersion; status only through the status
// subresource; deletion through finalizers and grace periods.

import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { apiVersionOf, applyMergePatch, errors, isApiError, nowRFC3339, type KubeList, type KubeObject } from '@skiff/api';
import type { Storage, StoredValue } from '../storage/storage.js';
import { decodeObject, encodeObject, listPrefix, objectStorageKey } from './codec.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import { decodeBody } from './decode.js';
import { planDelete, shouldDeleteDuringUpdate, type DeleteOptions } from './delete-plan.js';
import { ObjectFilter, type FilterOptions } from './object-filter.js';
import { viaStorage } from './storage-errors.js';
import { qualifiedKind, qualifiedResource, type Strategy } from './strategy.js';
import { prepareUpdate } from './prepare-update.js';
import { fe } from './validation/field-errors.js';

export interface WriteOptions {
  dryRun?: boolean;
  /** "" (the object) or "status". */
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
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRFC3339(this.now());
    if (this.strategy.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    this.strategy.applyDefaults(obj);
    this.strategy.prepareForCreate(obj);
    const problems = [...this.strategy.validate(obj), ...this.strategy.validateStatus(obj, obj)];
    if (problems.length > 0) this.invalid(obj, problems);
    if (this.info.namespaced) await this.checkNamespace(ns);

    const generated = !meta.name && meta.generateName !== undefined;
    for (let attempt = 0; ; attempt++) {
      if (generated) meta.name = generateName(meta.generateName ?? '');
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

  private async checkNamespace(ns: string): Promise<void> {
    const state = await this.deps.namespaceState(ns);
    if (state === 'missing') throw errors.notFound('namespaces', ns);
    if (state === 'terminating') {
      throw errors.forbidden(this.resource, '', `unable to create new content in namespace ${ns} because it is being terminated`);
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

  async get(namespace: string, name: string): Promise<KubeObject> {
    const stored = await this.read(namespace, name);
    return decodeObject(stored.value, stored.modRevision);
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

  async update(namespace: string, name: string, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    const next = decodeBody(this.strategy, body);
    const ns = this.resolveNamespace(namespace, next);
    if (next.metadata.name && name && next.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
    }
    const objName = name || next.metadata.name || '';
    next.metadata.name = objName;
    if (!next.metadata.resourceVersion) {
      throw errors.invalid(qualifiedKind(this.info), objName, [
        { type: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' },
      ]);
    }
    const stored = await this.read(ns, objName);
    const current = decodeObject(stored.value, stored.modRevision);
    if (current.metadata.resourceVersion !== next.metadata.resourceVersion) throw errors.staleResourceVersion(this.resource, objName);
    return this.write(ns, current, next, opts);
  }

  /** Validates and writes `next` over `current` (whose resourceVersion is the compare-and-swap revision). */
  private async write(ns: string, current: KubeObject, next: KubeObject, opts: WriteOptions): Promise<KubeObject> {
    const name = current.metadata.name ?? '';
    const updated = prepareUpdate(this.strategy, current, next, opts.subresource ?? '');
    const { resourceVersion: _a, ...a } = updated.metadata;
    const { resourceVersion: _b, ...b } = current.metadata;
    if (isDeepStrictEqual({ ...updated, metadata: a }, { ...current, metadata: b })) return current;
    if (opts.dryRun) return updated;
    const expected = Number(current.metadata.resourceVersion);
    const key = this.key(ns, name);
    if (shouldDeleteDuringUpdate(updated, current)) {
      const rev = await viaStorage(this.resource, name, () => this.deps.storage.delete(key, expected));
      updated.metadata.resourceVersion = String(rev);
      return updated;
    }
    const rev = await viaStorage(this.resource, name, () => this.deps.storage.update(key, encodeObject(updated), expected));
    updated.metadata.resourceVersion = String(rev);
    return updated;
  }

  /** JSON merge patch on the current object, then an update. Retries on conflict unless the patch names a resourceVersion. */
  async patch(namespace: string, name: string, patch: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw errors.badRequest('the patch must be a JSON object (application/merge-patch+json)');
    }
    const pinned = (patch as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
    const ns = this.ns(namespace);
    for (let attempt = 0; ; attempt++) {
      const stored = await this.read(ns, name);
      const current = decodeObject(stored.value, stored.modRevision);
      const patched = applyMergePatch(current, patch);
      const next = decodeBody(this.strategy, patched);
      this.resolveNamespace(ns, next);
      if (next.metadata.name !== name) throw fieldImmutable(this.info, name, 'metadata.name', next.metadata.name);
      if (pinned === undefined || pinned === null || pinned === '') next.metadata.resourceVersion = current.metadata.resourceVersion ?? '';
      else if (String(pinned) !== current.metadata.resourceVersion) throw errors.staleResourceVersion(this.resource, name);
      try {
        return await this.write(ns, current, next, opts);
      } catch (e) {
        if (!(isApiError(e, 'Conflict') && (pinned == null || pinned === '') && attempt + 1 < MAX_RETRIES)) throw e;
      }
    }
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

function fieldImmutable(info: Strategy['info'], name: string, field: string, value: unknown) {
  return errors.invalid(qualifiedKind(info), name, [fe.invalid(field, value, 'field is immutable')]);
}
