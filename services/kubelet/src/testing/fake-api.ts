// An in-memory stand-in for the apiserver, shaped like ApiClient, for the kubelet's unit tests:
// resourceVersions with compare-and-swap (Conflict), list + watch with `spec.nodeName` field
// selectors (so a real Informer runs on it), the status subresource and graceful pod deletion.
// The real apiserver is exercised by the integration run described in the report and by e2e.

import { ApiError, errors, nowRFC3339, parseFieldSelector, type KubeList, type KubeObject, type Pod, type WatchEvent } from '@skiff/api';
import type { DeleteOptions, ListOptions, WatchOptions, WatchStream, WriteOptions } from '@skiff/client';

interface Stored {
  resource: string;
  obj: KubeObject;
}

function key(resource: string, ns: string | undefined, name: string | undefined): string {
  return `${resource}/${ns ?? ''}/${name ?? ''}`;
}

function fieldsOf(obj: KubeObject): Record<string, string> {
  const spec = (obj.spec ?? {}) as { nodeName?: string };
  const status = (obj.status ?? {}) as { phase?: string };
  return {
    'metadata.name': obj.metadata.name ?? '',
    'metadata.namespace': obj.metadata.namespace ?? '',
    'spec.nodeName': spec.nodeName ?? '',
    'status.phase': status.phase ?? '',
  };
}

export class FakeApi {
  private rev = 100;
  private readonly objects = new Map<string, Stored>();
  private readonly log: { rev: number; resource: string; event: WatchEvent }[] = [];
  private readonly watchers = new Set<{ resource: string; opts: WatchOptions; push: (e: WatchEvent) => void }>();
  /** Every write, for assertions: [verb, resource, name]. */
  readonly writes: [string, string, string][] = [];
  /** Make the next calls of a verb fail. */
  readonly failures: { verb: string; error: ApiError }[] = [];
  private uidSeq = 0;

  private check(verb: string): void {
    const i = this.failures.findIndex((f) => f.verb === verb);
    if (i >= 0) {
      const [f] = this.failures.splice(i, 1);
      if (f) throw f.error;
    }
  }

  private emit(resource: string, type: WatchEvent['type'], obj: KubeObject): void {
    const event = { type, object: structuredClone(obj) } as WatchEvent;
    this.log.push({ rev: this.rev, resource, event });
    for (const w of this.watchers) if (w.resource === resource && this.matches(obj, w.opts)) w.push(structuredClone(event));
  }

  private matches(obj: KubeObject, opts: { namespace?: string; fieldSelector?: string }): boolean {
    if (opts.namespace && obj.metadata.namespace !== opts.namespace) return false;
    return !opts.fieldSelector || parseFieldSelector(opts.fieldSelector).matches(fieldsOf(obj));
  }

  /** The stored object (a copy), for assertions. */
  peek<T extends KubeObject>(resource: string, namespace: string, name: string): T | undefined {
    const s = this.objects.get(key(resource, namespace, name));
    return s ? (structuredClone(s.obj) as T) : undefined;
  }

  async create<T extends KubeObject>(resource: string, obj: T, _opts: WriteOptions = {}): Promise<T> {
    this.check('create');
    const k = key(resource, obj.metadata.namespace, obj.metadata.name);
    if (this.objects.has(k)) throw errors.alreadyExists(resource, obj.metadata.name ?? '');
    const o = structuredClone(obj);
    o.metadata.uid ??= `fake-uid-${++this.uidSeq}-0000`;
    o.metadata.creationTimestamp ??= nowRFC3339();
    o.metadata.resourceVersion = String(++this.rev);
    this.objects.set(k, { resource, obj: o });
    this.writes.push(['create', resource, o.metadata.name ?? '']);
    this.emit(resource, 'ADDED', o);
    return structuredClone(o);
  }

  async get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T> {
    this.check('get');
    const s = this.objects.get(key(resource, namespace, name));
    if (!s) throw errors.notFound(resource, name);
    return structuredClone(s.obj) as T;
  }

  async list<T extends KubeObject>(resource: string, opts: ListOptions = {}): Promise<KubeList<T>> {
    this.check('list');
    const items = [...this.objects.values()].filter((s) => s.resource === resource && this.matches(s.obj, opts)).map((s) => structuredClone(s.obj) as T);
    return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: String(this.rev) }, items };
  }

  private async replace<T extends KubeObject>(resource: string, obj: T, part: 'main' | 'status'): Promise<T> {
    this.check(part === 'status' ? 'updateStatus' : 'update');
    const k = key(resource, obj.metadata.namespace, obj.metadata.name);
    const s = this.objects.get(k);
    if (!s) throw errors.notFound(resource, obj.metadata.name ?? '');
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== s.obj.metadata.resourceVersion) {
      throw errors.staleResourceVersion(resource, obj.metadata.name ?? '');
    }
    const next = structuredClone(s.obj);
    if (part === 'status') next.status = structuredClone(obj.status);
    else {
      const keepStatus = next.status;
      Object.assign(next, structuredClone(obj));
      next.status = keepStatus;
      next.metadata = { ...structuredClone(obj.metadata), uid: s.obj.metadata.uid ?? '', creationTimestamp: s.obj.metadata.creationTimestamp ?? '' };
    }
    next.metadata.resourceVersion = String(++this.rev);
    s.obj = next;
    this.writes.push([part === 'status' ? 'updateStatus' : 'update', resource, obj.metadata.name ?? '']);
    this.emit(resource, 'MODIFIED', next);
    return structuredClone(next) as T;
  }

  update<T extends KubeObject>(resource: string, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.replace(resource, obj, opts.subresource === 'status' ? 'status' : 'main');
  }

  updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    return this.replace(resource, obj, 'status');
  }

  async patch<T extends KubeObject>(resource: string, namespace: string, name: string, patch: unknown): Promise<T> {
    this.check('patch');
    const s = this.objects.get(key(resource, namespace, name));
    if (!s) throw errors.notFound(resource, name);
    const merge = (target: Record<string, unknown>, p: Record<string, unknown>): void => {
      for (const [k2, v] of Object.entries(p)) {
        if (v === null) delete target[k2];
        else if (typeof v === 'object' && !Array.isArray(v) && typeof target[k2] === 'object' && target[k2] !== null) merge(target[k2] as Record<string, unknown>, v as Record<string, unknown>);
        else target[k2] = structuredClone(v);
      }
    };
    merge(s.obj as unknown as Record<string, unknown>, patch as Record<string, unknown>);
    s.obj.metadata.resourceVersion = String(++this.rev);
    this.writes.push(['patch', resource, name]);
    this.emit(resource, 'MODIFIED', s.obj);
    return structuredClone(s.obj) as T;
  }

  async delete<T extends KubeObject>(resource: string, namespace: string, name: string, opts: DeleteOptions = {}): Promise<T> {
    this.check('delete');
    const k = key(resource, namespace, name);
    const s = this.objects.get(k);
    if (!s) throw errors.notFound(resource, name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== s.obj.metadata.uid) {
      throw errors.conflict(resource, name, `Precondition failed: UID in precondition: ${opts.preconditions.uid}, UID in object meta: ${s.obj.metadata.uid}`);
    }
    this.writes.push(['delete', resource, name]);
    const pod = s.obj as Pod;
    const grace = opts.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    if (resource === 'pods' && pod.spec?.nodeName && grace > 0) {
      pod.metadata.deletionTimestamp ??= nowRFC3339();
      pod.metadata.deletionGracePeriodSeconds = grace;
      pod.metadata.resourceVersion = String(++this.rev);
      this.emit(resource, 'MODIFIED', pod);
      return structuredClone(pod) as unknown as T;
    }
    this.objects.delete(k);
    ++this.rev;
    this.emit(resource, 'DELETED', s.obj);
    return structuredClone(s.obj) as T;
  }

  watch<T extends KubeObject>(resource: string, opts: WatchOptions = {}): WatchStream<T> {
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const w = {
      resource,
      opts,
      push: (e: WatchEvent) => {
        queue.push(e);
        wake?.();
      },
    };
    const from = Number(opts.resourceVersion ?? '0');
    if (from > 0) {
      for (const l of this.log) if (l.rev > from && l.resource === resource && this.matches(l.event.object, opts)) queue.push(structuredClone(l.event));
    } else {
      for (const s of this.objects.values()) if (s.resource === resource && this.matches(s.obj, opts)) queue.push({ type: 'ADDED', object: structuredClone(s.obj) });
    }
    this.watchers.add(w);
    const watchers = this.watchers;
    return {
      close: () => {
        closed = true;
        watchers.delete(w);
        wake?.();
      },
      async *[Symbol.asyncIterator]() {
        try {
          while (!closed) {
            const e = queue.shift();
            if (e) {
              yield e as WatchEvent<T>;
              continue;
            }
            await new Promise<void>((r) => {
              wake = () => {
                wake = undefined;
                r();
              };
            });
          }
        } finally {
          watchers.delete(w);
        }
      },
    };
  }
}
