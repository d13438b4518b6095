// An in-memory stand-in for the apiserver, for controller unit tests: the subset of ApiClient the
// controllers use (list, watch, get, create, update, updateStatus, patch, delete) with the
// Kubernetes semantics they rely on: resourceVersions, watch from a version, generateName, uid,
// CAS updates, merge patches with uid/resourceVersion preconditions, and deletion with finalizers
// (propagationPolicy Foreground/Orphan add the GC finalizers; removing the last one removes the object).
// It is a test double, not a second apiserver: no validation beyond what the tests need.

import { randomUUID } from 'node:crypto';
import { clone, errors, findResource, nowRFC3339, objectKey, type KubeList, type KubeObject, type WatchEvent } from '@skiff/api';
import type { DeleteOptions, ListOptions, WatchOptions, WatchStream, WriteOptions } from '@skiff/client';

interface Stored {
  resource: string;
  obj: KubeObject;
}

interface Watcher {
  resource: string;
  namespace: string;
  push(ev: WatchEvent): void;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export interface FakeApiCall {
  verb: 'create' | 'update' | 'updateStatus' | 'patch' | 'delete' | 'get';
  resource: string;
  namespace: string;
  name: string;
  body?: unknown;
}

export class FakeApi {
  private rv = 1;
  private readonly objects = new Map<string, Stored>();
  private readonly watchers = new Set<Watcher>();
  private readonly history: { resource: string; ev: WatchEvent }[] = [];
  /** Every write (and get), in order: what tests assert on. */
  readonly calls: FakeApiCall[] = [];
  /** Pods deleted gracefully (deletionTimestamp first, removed by `finishPodDeletion`), as with a kubelet. */
  gracefulPods = false;
  /** Injects an error for a call; return undefined to let it through. */
  fail: ((call: FakeApiCall) => Error | undefined) | undefined;

  private storeKey(resource: string, namespace: string, name: string): string {
    return `${resource}|${namespace}|${name}`;
  }

  private emit(resource: string, type: WatchEvent['type'], obj: KubeObject): void {
    const ev = { type, object: clone(obj) };
    this.history.push({ resource, ev });
    for (const w of this.watchers) {
      if (w.resource === resource && (w.namespace === '' || w.namespace === obj.metadata.namespace)) w.push(clone(ev));
    }
  }

  private check(call: FakeApiCall): void {
    this.calls.push(call);
    const err = this.fail?.(call);
    if (err) throw err;
  }

  /** Direct access for tests: the stored object (a copy). */
  peek<T extends KubeObject>(resource: string, namespace: string, name: string): T | undefined {
    const s = this.objects.get(this.storeKey(resource, namespace, name));
    return s ? (clone(s.obj) as T) : undefined;
  }

  all<T extends KubeObject>(resource: string, namespace?: string): T[] {
    return [...this.objects.values()]
      .filter((s) => s.resource === resource && (namespace === undefined || s.obj.metadata.namespace === namespace))
      .map((s) => clone(s.obj) as T);
  }

  async list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    const items = this.all<T>(resource, opts.namespace || undefined);
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.rv) }, items };
  }

  watch<T extends KubeObject>(resource: string, opts: WatchOptions = {}): WatchStream<T> {
    const queue: WatchEvent<T>[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const namespace = opts.namespace ?? '';
    const watcher: Watcher = {
      resource,
      namespace,
      push: (ev) => {
        queue.push(ev as WatchEvent<T>);
        wake?.();
      },
    };
    const from = Number(opts.resourceVersion ?? '0');
    if (from > 0) {
      for (const h of this.history) {
        if (h.resource !== resource || Number(h.ev.object.metadata.resourceVersion) <= from) continue;
        if (namespace && h.ev.object.metadata.namespace !== namespace) continue;
        queue.push(clone(h.ev) as WatchEvent<T>);
      }
    }
    this.watchers.add(watcher);
    const close = (): void => {
      closed = true;
      this.watchers.delete(watcher);
      wake?.();
    };
    return {
      close,
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (queue.length > 0) yield queue.shift() as WatchEvent<T>;
            if (closed) return;
            await new Promise<void>((r) => (wake = r));
            wake = undefined;
          }
        } finally {
          close();
        }
      },
    };
  }

  async get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T> {
    this.check({ verb: 'get', resource, namespace, name });
    const s = this.objects.get(this.storeKey(resource, namespace, name));
    if (!s) throw errors.notFound(resource, name);
    return clone(s.obj) as T;
  }

  async create<T extends KubeObject>(resource: string, obj: T, _opts: WriteOptions = {}): Promise<T> {
    const o = clone(obj) as KubeObject;
    const ns = o.metadata.namespace ?? '';
    if (!o.metadata.name && o.metadata.generateName) {
      o.metadata.name = `${o.metadata.generateName}${randomUUID().replace(/[^a-z]/g, '').slice(0, 5).padEnd(5, 'x')}`;
    }
    const name = o.metadata.name ?? '';
    this.check({ verb: 'create', resource, namespace: ns, name, body: clone(o) });
    const key = this.storeKey(resource, ns, name);
    if (this.objects.has(key)) throw errors.alreadyExists(resource, name);
    const kind = findResource(resource);
    if (kind && !o.kind) o.kind = kind.kind;
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = nowRFC3339();
    o.metadata.generation = 1;
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, { resource, obj: o });
    this.emit(resource, 'ADDED', o);
    return clone(o) as T;
  }

  private write(resource: string, stored: Stored, next: KubeObject): KubeObject {
    next.metadata.resourceVersion = String(++this.rv);
    const key = this.storeKey(resource, next.metadata.namespace ?? '', next.metadata.name ?? '');
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0 && !this.gracefullyTerminating(resource, next)) {
      this.objects.delete(key);
      this.emit(resource, 'DELETED', next);
      return next;
    }
    stored.obj = next;
    this.emit(resource, 'MODIFIED', next);
    return next;
  }

  private gracefullyTerminating(resource: string, obj: KubeObject): boolean {
    return resource === 'pods' && this.gracefulPods && obj.metadata.deletionTimestamp !== undefined;
  }

  private existing(resource: string, namespace: string, name: string): Stored {
    const s = this.objects.get(this.storeKey(resource, namespace, name));
    if (!s) throw errors.notFound(resource, name);
    return s;
  }

  async update<T extends KubeObject>(resource: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    const status = opts.subresource === 'status';
    this.check({ verb: status ? 'updateStatus' : 'update', resource, namespace: ns, name, body: clone(obj) });
    const s = this.existing(resource, ns, name);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== s.obj.metadata.resourceVersion) throw errors.staleResourceVersion(resource, name);
    const next = clone(s.obj);
    if (status) next.status = clone(obj.status);
    else {
      const specChanged = JSON.stringify(obj.spec) !== JSON.stringify(s.obj.spec);
      next.metadata = { ...clone(obj.metadata), uid: s.obj.metadata.uid, creationTimestamp: s.obj.metadata.creationTimestamp } as KubeObject['metadata'];
      next.spec = clone(obj.spec);
      next.metadata.generation = (s.obj.metadata.generation ?? 1) + (specChanged ? 1 : 0);
      if (s.obj.metadata.deletionTimestamp) next.metadata.deletionTimestamp = s.obj.metadata.deletionTimestamp;
    }
    return clone(this.write(resource, s, next)) as T;
  }

  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.update(resource, obj, { subresource: 'status' });
  }

  async patch<T extends KubeObject>(resource: string, namespace: string, name: string, patch: unknown, _opts: WriteOptions = {}): Promise<T> {
    this.check({ verb: 'patch', resource, namespace, name, body: clone(patch) });
    const s = this.existing(resource, namespace, name);
    const meta = (patch as { metadata?: { uid?: string; resourceVersion?: string } }).metadata;
    if (meta?.uid !== undefined && meta.uid !== s.obj.metadata.uid) throw errors.conflict(resource, name, 'the UID in the precondition does not match');
    if (meta?.resourceVersion !== undefined && meta.resourceVersion !== s.obj.metadata.resourceVersion) throw errors.staleResourceVersion(resource, name);
    const next = mergePatch(clone(s.obj), patch) as KubeObject;
    if (s.obj.metadata.uid) next.metadata.uid = s.obj.metadata.uid;
    return clone(this.write(resource, s, next)) as T;
  }

  async delete<T extends KubeObject>(resource: string, namespace: string, name: string, opts: DeleteOptions = {}): Promise<T> {
    this.check({ verb: 'delete', resource, namespace, name, body: clone(opts) });
    const s = this.existing(resource, namespace, name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== s.obj.metadata.uid) throw errors.conflict(resource, name, 'the UID in the precondition does not match');
    const next = clone(s.obj);
    const finalizers = new Set(next.metadata.finalizers ?? []);
    if (opts.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
    if (opts.propagationPolicy === 'Orphan') finalizers.add('orphan');
    if (finalizers.size > 0) next.metadata.finalizers = [...finalizers];
    if (finalizers.size === 0 && !(resource === 'pods' && this.gracefulPods)) {
      this.objects.delete(this.storeKey(resource, namespace, name));
      next.metadata.resourceVersion = String(++this.rv);
      this.emit(resource, 'DELETED', next);
      return next as T;
    }
    if (next.metadata.deletionTimestamp) return clone(s.obj) as T;
    next.metadata.deletionTimestamp = nowRFC3339();
    return clone(this.write(resource, s, next)) as T;
  }

  /** What a kubelet does when a terminating pod's containers are gone: remove it for good. */
  finishPodDeletion(namespace: string, name: string): void {
    const key = this.storeKey('pods', namespace, name);
    const s = this.objects.get(key);
    if (!s?.obj.metadata.deletionTimestamp) return;
    this.objects.delete(key);
    const last = clone(s.obj);
    last.metadata.resourceVersion = String(++this.rv);
    this.emit('pods', 'DELETED', last);
  }

  /** Writes an object's status directly (as the kubelet would). */
  setStatus(resource: string, namespace: string, name: string, status: unknown): void {
    const s = this.existing(resource, namespace, name);
    const next = clone(s.obj);
    next.status = clone(status);
    this.write(resource, s, next);
  }

  keyOf(obj: KubeObject): string {
    return objectKey(obj);
  }
}
