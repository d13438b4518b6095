// The in-memory fake of the apiserver for unit tests: ApiClient's methods (ApiInterface) with the
// real apiserver's semantics as far as components rely on them, held to the same contract suite
// (api-contract.ts) as ApiClient over gRPC. One resourceVersion counter for every kind, the
// bootstrap namespaces, compare-and-swap updates, no-op updates that write nothing, generateName,
// label and field selectors, watch from a resourceVersion or from "0"/"" with transition semantics,
// the status subresource, the scale subresource (deployments, replicasets), finalizers and graceful
// pod deletion, namespace termination (the `kubernetes` finalizer, Terminating, the finalize
// subresource, no creates in a terminating namespace), bind once. Not here: validation,
// defaulting, dryRun, limit/continue, bookmarks, 410 Gone, logs. For tests: `calls`, `writes()`,
// `peek`/`all`, `failNext`, and `holdWatches`/`releaseWatches` (events wait, as behind a slow watch).

import { randomInt, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { ApiError, apiVersionOf, applyMergePatch, clone, errors, nowRFC3339, selectorFromLabelSelector, type KubeList, type KubeObject, type LabelSelector, type Namespace, type Pod, type Scale, type WatchEvent } from '@skiff/api';
import type { ApiInterface, DeleteOptions, ListOptions, LogStream, WatchOptions, WatchStream, WriteOptions } from '../client.js';
import { decode, filterOf, kindOf, planDelete, specFinalizers, type Kind } from './fake-api-kinds.js';

export type FakeApiVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'updateStatus' | 'patch' | 'delete' | 'bind';

export interface FakeApiCall {
  verb: FakeApiVerb;
  resource: string;
  namespace: string;
  name: string;
  /** What was sent: the object, the patch, the delete options or the node bound to. */
  body?: unknown;
}

export const BOOTSTRAP_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** One write: the object before (absent for a create) and after (absent for a removal). */
interface Change {
  resource: string;
  rv: number;
  prev: KubeObject | undefined;
  cur: KubeObject | undefined;
  held: boolean;
}

interface Watcher {
  resource: string;
  /** Changes after this resourceVersion are wanted. */
  from: number;
  matches: (obj: KubeObject) => boolean;
  stream: FakeWatchStream<KubeObject>;
}

/** The event a filtered watcher sees for a change: ADDED when it starts matching, DELETED when it stops. */
function eventFor(c: Change, matches: (obj: KubeObject) => boolean): WatchEvent | undefined {
  if (c.cur && matches(c.cur)) return { type: c.prev && matches(c.prev) ? 'MODIFIED' : 'ADDED', object: clone(c.cur) };
  if (!c.prev || !matches(c.prev)) return undefined;
  const last = clone(c.prev);
  last.metadata.resourceVersion = String(c.rv);
  return { type: 'DELETED', object: last };
}

class FakeWatchStream<T extends KubeObject> implements WatchStream<T> {
  private readonly queue: WatchEvent<T>[] = [];
  private error: unknown;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(private readonly onClose: () => void) {}

  push(ev: WatchEvent): void {
    this.queue.push(ev as WatchEvent<T>);
    this.wake?.();
  }

  /** Ends the stream; iteration throws `error` when there is one (as ApiClient's watch does). */
  close(error?: unknown): void {
    this.error ??= error;
    this.closed = true;
    this.onClose();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    try {
      for (let ev = this.queue.shift(); !this.closed; ev = this.queue.shift()) {
        if (ev) yield ev;
        else await new Promise<void>((resolve) => (this.wake = resolve));
      }
      if (this.error !== undefined) throw this.error;
    } finally {
      this.close();
    }
  }
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export class FakeApi implements ApiInterface {
  private rv = 1;
  /** Stored objects by `resource/namespace/name`; never changed in place. */
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: Change[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly failures: { verb: FakeApiVerb; error: Error }[] = [];
  private holding = false;
  /** Every request, in order (failed ones too). */
  readonly calls: FakeApiCall[] = [];

  constructor() {
    for (const name of BOOTSTRAP_NAMESPACES) this.createNow(kindOf('namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  // ---- ApiInterface ----

  async create<T extends KubeObject>(resource: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    this.begin('create', resource, obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj);
    if (opts.dryRun) throw notSupported('dryRun');
    if (opts.subresource) throw errors.badRequest(`create is not supported on the ${resource}/${opts.subresource} subresource`);
    return clone(this.createNow(kindOf(resource), obj)) as T;
  }

  /** `opts.subresource: 'scale'` reads a Deployment's or ReplicaSet's autoscaling/v1 Scale. */
  async get<T extends KubeObject>(resource: string, namespace: string, name: string, opts: { subresource?: string } = {}): Promise<T> {
    this.begin('get', resource, namespace, name);
    const kind = kindOf(resource);
    const cur = this.current(kind, namespace, name);
    if (!opts.subresource) return clone(cur) as T;
    if (opts.subresource !== 'scale' || !kind.scaleSubresource) throw errors.notFound(`${kind.info.resource}/${opts.subresource}`, name);
    return scaleOf(cur) as unknown as T;
  }

  async list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    this.begin('list', resource, opts.namespace ?? '', '');
    if (opts.limit || opts.continue) throw notSupported('limit and continue');
    const kind = kindOf(resource);
    const items = this.stored(kind).filter(filterOf(kind, opts));
    return { apiVersion: apiVersionOf(kind.info), kind: `${kind.info.kind}List`, metadata: { resourceVersion: String(this.rv) }, items: clone(items) as T[] };
  }

  /**
   * Replaces the object (status kept for kinds with a status subresource); `subresource: 'status'`
   * replaces only the status, `'finalize'` only a namespace's spec.finalizers, `'scale'` (with a
   * Scale body) only spec.replicas.
   */
  async update<T extends KubeObject>(resource: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    this.begin(opts.subresource === 'status' ? 'updateStatus' : 'update', resource, obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj);
    if (opts.dryRun) throw notSupported('dryRun');
    const kind = kindOf(resource);
    if (opts.subresource === 'scale') return this.writeScale(kind, obj) as unknown as T;
    const next = decode(kind, obj);
    const name = next.metadata.name ?? '';
    const cur = this.current(kind, next.metadata.namespace ?? '', name);
    // No resourceVersion: an unconditional update, as Kubernetes allows for every kind Skiff serves.
    if (next.metadata.resourceVersion && cur.metadata.resourceVersion !== next.metadata.resourceVersion) {
      throw errors.staleResourceVersion(kind.qualified, name);
    }
    return clone(this.write(kind, cur, next, opts.subresource ?? '')) as T;
  }

  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.update(resource, obj, { subresource: 'status' });
  }

  /** JSON merge patch; a `metadata.resourceVersion` in the patch must be the current one. */
  async patch<T extends KubeObject>(resource: string, namespace: string, name: string, patch: unknown, opts: WriteOptions = {}): Promise<T> {
    this.begin('patch', resource, namespace, name, patch);
    if (opts.dryRun) throw notSupported('dryRun');
    const kind = kindOf(resource);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) throw errors.badRequest('the patch must be a JSON object (application/merge-patch+json)');
    const cur = this.current(kind, namespace, name);
    if (opts.subresource === 'scale') {
      const scale = applyMergePatch(scaleOf(cur), JSON.parse(JSON.stringify(patch))) as unknown as Scale;
      return this.writeScale(kind, { ...scale, metadata: { ...scale.metadata, name } }) as unknown as T;
    }
    const next = decode(kind, applyMergePatch(cur, JSON.parse(JSON.stringify(patch))));
    if (next.metadata.name !== name) throw immutable(kind, name, 'metadata.name', next.metadata.name);
    const pinned = (patch as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
    if (pinned === undefined || pinned === null || pinned === '') next.metadata.resourceVersion = cur.metadata.resourceVersion ?? '';
    else if (String(pinned) !== cur.metadata.resourceVersion) throw errors.staleResourceVersion(kind.qualified, name);
    return clone(this.write(kind, cur, next, opts.subresource ?? '')) as T;
  }

  /** The object as it is after the call: still there (deletionTimestamp set) while finalizers or a pod's grace period run. */
  async delete<T extends KubeObject>(resource: string, namespace: string, name: string, opts: DeleteOptions = {}): Promise<T> {
    this.begin('delete', resource, namespace, name, opts);
    const kind = kindOf(resource);
    if (kind.info.resource === 'namespaces' && BOOTSTRAP_NAMESPACES.includes(name)) throw errors.forbidden('namespaces', name, 'this namespace may not be deleted');
    const cur = this.current(kind, namespace, name);
    const plan = planDelete(kind, cur, opts);
    if (plan === 'none') return clone(cur) as T;
    this.commit(kind, cur, plan === 'delete' ? undefined : plan);
    return clone(plan === 'delete' ? cur : plan) as T;
  }

  /** The pods/binding subresource: sets spec.nodeName once, and PodScheduled=True. */
  async bind(namespace: string, name: string, node: string): Promise<KubeObject> {
    this.begin('bind', 'pods', namespace, name, node);
    const kind = kindOf('pods');
    const cur = this.current(kind, namespace, name) as Pod;
    if (cur.metadata.deletionTimestamp) throw errors.conflict('pods/binding', name, `pod ${name} is being deleted, cannot be assigned to a host`);
    if (cur.spec.nodeName) throw errors.conflict('pods/binding', name, `pod ${name} is already assigned to node "${cur.spec.nodeName}"`);
    const next = clone(cur);
    next.spec.nodeName = node;
    const conditions = (next.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
    next.status = { ...next.status, conditions: [...conditions, { type: 'PodScheduled', status: 'True', lastTransitionTime: nowRFC3339() }] };
    this.commit(kind, cur, next);
    return clone(next);
  }

  /** Changes after `resourceVersion`, or (for "0" and "") ADDED for every matching object first. */
  watch<T extends KubeObject>(resource: string, opts: WatchOptions = {}): WatchStream<T> {
    const stream = new FakeWatchStream<KubeObject>(() => watcher && this.watchers.delete(watcher));
    let watcher: Watcher | undefined;
    try {
      this.begin('watch', resource, opts.namespace ?? '', '');
      const kind = kindOf(resource);
      const matches = filterOf(kind, opts);
      const rv = opts.resourceVersion ?? '';
      if (!/^\d*$/.test(rv)) throw errors.badRequest(`invalid resourceVersion "${rv}": must be a non-negative integer`);
      const fromNow = rv === '' || rv === '0';
      watcher = { resource: kind.info.resource, from: fromNow ? this.rv : Number(rv), matches, stream };
      if (fromNow) for (const obj of this.stored(kind).filter(matches)) stream.push({ type: 'ADDED', object: clone(obj) });
      for (const c of this.history) if (!c.held) this.deliverTo(watcher, c);
      this.watchers.add(watcher);
    } catch (e) {
      stream.close(e);
    }
    return stream as unknown as WatchStream<T>;
  }

  logs(): LogStream {
    throw new ApiError('MethodNotAllowed', 'FakeApi does not serve container logs (the apiserver proxies them from a kubelet)');
  }

  async version(): Promise<Record<string, string>> {
    return { major: '1', minor: '32', gitVersion: 'v1.32.0-skiff-fake', platform: `${process.platform}/${process.arch}` };
  }

  // ---- for tests ----

  /** The stored object (a copy), or undefined. */
  peek<T extends KubeObject>(resource: string, namespace: string, name: string): T | undefined {
    const kind = kindOf(resource);
    const obj = this.objects.get(this.key(kind, this.namespaceOf(kind, namespace), name));
    return obj && (clone(obj) as T);
  }

  /** Every stored object of a kind (copies), in one namespace or all. */
  all<T extends KubeObject>(resource: string, namespace?: string): T[] {
    return clone(this.stored(kindOf(resource)).filter((o) => namespace === undefined || o.metadata.namespace === namespace)) as T[];
  }

  /** The calls that write. */
  writes(): FakeApiCall[] {
    return this.calls.filter((c) => c.verb !== 'get' && c.verb !== 'list' && c.verb !== 'watch');
  }

  /** The next call of `verb` fails with `error` (after it is recorded). */
  failNext(verb: FakeApiVerb, error: Error): void {
    this.failures.push({ verb, error });
  }

  /** Watch events wait (watchers stop seeing changes) until releaseWatches(). */
  holdWatches(): void {
    this.holding = true;
  }

  releaseWatches(): void {
    this.holding = false;
    for (const c of this.history.filter((h) => h.held)) {
      c.held = false;
      for (const w of this.watchers) this.deliverTo(w, c);
    }
  }

  // ---- storage ----

  private begin(verb: FakeApiVerb, resource: string, namespace: string, name: string, body?: unknown): void {
    this.calls.push({ verb, resource, namespace, name, ...(body !== undefined && { body: clone(body) }) });
    const i = this.failures.findIndex((f) => f.verb === verb);
    const failure = i >= 0 ? this.failures.splice(i, 1)[0] : undefined;
    if (failure) throw failure.error;
  }

  private key(kind: Kind, namespace: string, name: string): string {
    return `${kind.info.resource}/${namespace}/${name}`;
  }

  private namespaceOf(kind: Kind, namespace: string): string {
    return kind.info.namespaced ? namespace || 'default' : '';
  }

  private current(kind: Kind, namespace: string, name: string): KubeObject {
    if (!name) throw errors.badRequest('resource name may not be empty');
    const obj = this.objects.get(this.key(kind, this.namespaceOf(kind, namespace), name));
    if (!obj) throw errors.notFound(kind.qualified, name);
    return obj;
  }

  /** A kind's objects in the apiserver's order (by namespace, then name). */
  private stored(kind: Kind): KubeObject[] {
    const prefix = `${kind.info.resource}/`;
    return [...this.objects]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, o]) => o);
  }

  private createNow(kind: Kind, body: unknown): KubeObject {
    const obj = decode(kind, body);
    const meta = obj.metadata;
    if (kind.info.namespaced) meta.namespace ||= 'default';
    else delete meta.namespace;
    if (meta.resourceVersion) throw errors.badRequest('resourceVersion should not be set on objects to be created');
    if (!meta.name && !meta.generateName) {
      throw errors.invalid(kind.info.kind, '', [{ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    }
    const ns = meta.namespace ? this.objects.get(this.key(kindOf('namespaces'), '', meta.namespace)) : undefined;
    if (meta.namespace && !ns) throw errors.notFound('namespaces', meta.namespace);
    if (meta.namespace && ns?.metadata.deletionTimestamp) throw namespaceTerminating(kind, meta.name ?? '', meta.namespace);
    const taken = (name: string): boolean => this.objects.has(this.key(kind, meta.namespace ?? '', name));
    if (!meta.name) {
      do meta.name = `${meta.generateName ?? ''}${Array.from({ length: 5 }, () => NAME_CHARS[randomInt(NAME_CHARS.length)]).join('')}`;
      while (taken(meta.name));
    }
    if (taken(meta.name)) throw errors.alreadyExists(kind.qualified, meta.name);
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRFC3339();
    if (kind.generation) meta.generation = 1;
    else delete meta.generation;
    kind.resetOnCreate?.(obj);
    this.commit(kind, undefined, obj);
    return obj;
  }

  /** `next` over `cur` (the real store's prepareUpdate): server-owned metadata kept, status or everything but status taken. */
  private write(kind: Kind, cur: KubeObject, body: KubeObject, subresource: string): KubeObject {
    const name = cur.metadata.name ?? '';
    const finalize = subresource === 'finalize' && kind.info.resource === 'namespaces';
    if (subresource && !finalize && (subresource !== 'status' || !kind.statusSubresource)) throw errors.notFound(`${kind.info.resource}/${subresource}`, name);
    let next = body;
    if (finalize) {
      // namespaces/finalize changes spec.finalizers and nothing else.
      next = clone(cur);
      const finalizers = (body as Namespace).spec?.finalizers;
      setSpecFinalizers(next as Namespace, finalizers ?? []);
    } else if (subresource === 'status') {
      next = clone(cur);
      if (body.status === undefined) delete next.status;
      else next.status = body.status;
    } else {
      const meta = next.metadata as Record<string, unknown>;
      const old = cur.metadata as Record<string, unknown>;
      meta['uid'] ??= old['uid'];
      if (meta['uid'] !== old['uid']) throw immutable(kind, name, 'metadata.uid', meta['uid']);
      for (const f of ['namespace', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
        if (old[f] === undefined) delete meta[f];
        else meta[f] = old[f];
      }
      if (kind.statusSubresource) {
        if (cur.status === undefined) delete next.status;
        else next.status = cur.status;
      }
      // A namespace's spec.finalizers change only through namespaces/finalize.
      if (kind.info.resource === 'namespaces') setSpecFinalizers(next as Namespace, (cur as Namespace).spec?.finalizers);
      const annotationsChanged = kind.annotationsBumpGeneration === true && !isDeepStrictEqual(next.metadata.annotations, cur.metadata.annotations);
      if (kind.generation && (!isDeepStrictEqual(next.spec, cur.spec) || annotationsChanged)) next.metadata.generation = (cur.metadata.generation ?? 0) + 1;
    }
    const withoutRv = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, resourceVersion: '' } });
    if (isDeepStrictEqual(withoutRv(next), withoutRv(cur))) return cur;
    // Removing the last finalizer of an object whose deletion is due removes it.
    const removed =
      !next.metadata.finalizers?.length && specFinalizers(kind, next).length === 0 && cur.metadata.deletionTimestamp !== undefined && cur.metadata.deletionGracePeriodSeconds === 0;
    next.metadata.resourceVersion = String(this.commit(kind, cur, removed ? undefined : next));
    return next;
  }

  /** The scale subresource's write: spec.replicas from the Scale (compare-and-swap when it names a resourceVersion). */
  private writeScale(kind: Kind, body: KubeObject): Scale {
    const name = body.metadata.name ?? '';
    if (!kind.scaleSubresource) throw errors.notFound(`${kind.info.resource}/scale`, name);
    const cur = this.current(kind, body.metadata.namespace ?? '', name);
    const rv = body.metadata.resourceVersion;
    if (rv && rv !== cur.metadata.resourceVersion) throw errors.staleResourceVersion(kind.qualified, name);
    const replicas = (body as Scale).spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid('Scale', name, [{ type: 'FieldValueInvalid', field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0` }]);
    }
    const next = clone(cur) as KubeObject & { spec: { replicas?: number } };
    next.spec = { ...next.spec, replicas };
    return scaleOf(this.write(kind, cur, next, ''));
  }

  /** Stores `next` (or removes `prev` when there is no next) at the next resourceVersion and tells the watchers. */
  private commit(kind: Kind, prev: KubeObject | undefined, next: KubeObject | undefined): number {
    const rv = ++this.rv;
    const meta = (next ?? prev)?.metadata ?? {};
    const key = this.key(kind, meta.namespace ?? '', meta.name ?? '');
    if (next) {
      next.metadata.resourceVersion = String(rv);
      this.objects.set(key, next);
    } else this.objects.delete(key);
    const change: Change = { resource: kind.info.resource, rv, prev, cur: next, held: this.holding };
    this.history.push(change);
    if (!change.held) for (const w of this.watchers) this.deliverTo(w, change);
    return rv;
  }

  private deliverTo(w: Watcher, c: Change): void {
    if (c.resource !== w.resource || c.rv <= w.from) return;
    const ev = eventFor(c, w.matches);
    if (ev) w.stream.push(ev);
  }
}

/** The autoscaling/v1 Scale of a Deployment or ReplicaSet. */
function scaleOf(obj: KubeObject): Scale {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: LabelSelector };
  const status = (obj.status ?? {}) as { replicas?: number };
  const scale: Scale = {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: JSON.parse(JSON.stringify({ name, namespace, uid, resourceVersion, creationTimestamp })) as Scale['metadata'],
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector: selectorFromLabelSelector(spec.selector).toString() },
  };
  return scale;
}

/** Sets a namespace's spec.finalizers (absent: removed), dropping an empty spec. */
function setSpecFinalizers(ns: Namespace, finalizers: string[] | undefined): void {
  const { finalizers: _, ...rest } = ns.spec ?? {};
  const spec = finalizers === undefined ? rest : { ...rest, finalizers };
  if (Object.keys(spec).length > 0) ns.spec = spec;
  else delete ns.spec;
}

/** Kubernetes' refusal to create in a namespace being deleted (cause NamespaceTerminating). */
function namespaceTerminating(kind: Kind, name: string, namespace: string): ApiError {
  const why = `unable to create new content in namespace ${namespace} because it is being terminated`;
  return new ApiError('Forbidden', name ? `${kind.qualified} "${name}" is forbidden: ${why}` : `${kind.qualified} is forbidden: ${why}`, {
    name,
    kind: kind.info.resource,
    causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
  });
}

function notSupported(what: string): ApiError {
  return errors.badRequest(`FakeApi does not support ${what}`);
}

function immutable(kind: Kind, name: string, field: string, value: unknown): ApiError {
  return errors.invalid(kind.info.kind, name, [{ type: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: field is immutable` }]);
}
