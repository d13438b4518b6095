// An in-memory stand-in for the apiserver, for unit tests of the scheduler loop: list and watch
// (resumable from a resourceVersion, with a switch that holds watch events back the way a slow
// watch would), get, create, delete, updateStatus and bind, with resourceVersion checks.
// FakeRecorder records events instead of writing them.

import { ApiError, clone, errors, objectKey, type KubeList, type KubeObject, type Pod, type WatchEvent } from '@skiff/api';
import type { ListOptions, WatchOptions, WatchStream } from '@skiff/client';

interface LoggedEvent {
  resource: string;
  rv: number;
  event: WatchEvent;
}

class FakeStream<T extends KubeObject> implements WatchStream<T> {
  private readonly buffer: WatchEvent<T>[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  push(ev: WatchEvent<T>): void {
    this.buffer.push(ev);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  isClosed(): boolean {
    return this.closed;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    for (;;) {
      const ev = this.buffer.shift();
      if (ev) {
        yield ev;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

export class FakeApi {
  private rv = 1;
  private readonly store = new Map<string, Map<string, KubeObject>>();
  private readonly log: LoggedEvent[] = [];
  private readonly streams: { resource: string; stream: FakeStream<KubeObject> }[] = [];
  private held: LoggedEvent[] | undefined;
  readonly binds: { pod: string; node: string }[] = [];
  readonly statusUpdates: Pod[] = [];

  private objects(resource: string): Map<string, KubeObject> {
    let m = this.store.get(resource);
    if (!m) this.store.set(resource, (m = new Map()));
    return m;
  }

  /** Holds back watch events (the informers stop seeing changes) until releaseWatches(). */
  holdWatches(): void {
    this.held ??= [];
  }

  releaseWatches(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const e of held) this.deliver(e);
  }

  private emit(resource: string, type: WatchEvent['type'], obj: KubeObject): void {
    const e: LoggedEvent = { resource, rv: Number(obj.metadata.resourceVersion), event: { type, object: clone(obj) } };
    this.log.push(e);
    if (this.held) this.held.push(e);
    else this.deliver(e);
  }

  private deliver(e: LoggedEvent): void {
    for (const s of this.streams) if (s.resource === e.resource && !s.stream.isClosed()) s.stream.push(clone(e.event));
  }

  async list<T extends KubeObject>(resource: string, _opts?: ListOptions): Promise<KubeList<T>> {
    return {
      apiVersion: 'v1',
      kind: 'List',
      metadata: { resourceVersion: String(this.rv) },
      items: [...this.objects(resource).values()].map((o) => clone(o) as T),
    };
  }

  watch<T extends KubeObject>(resource: string, opts: WatchOptions = {}): WatchStream<T> {
    const stream = new FakeStream<KubeObject>();
    const from = Number(opts.resourceVersion ?? this.rv);
    for (const e of this.log) {
      if (e.resource === resource && e.rv > from && !this.held?.includes(e)) stream.push(clone(e.event));
    }
    this.streams.push({ resource, stream });
    return stream as unknown as WatchStream<T>;
  }

  async get<T extends KubeObject>(resource: string, namespace: string, name: string): Promise<T> {
    const obj = this.objects(resource).get(namespace ? `${namespace}/${name}` : name);
    if (!obj) throw errors.notFound(resource, name);
    return clone(obj) as T;
  }

  async create<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    const stored = clone(obj);
    const key = objectKey(stored);
    if (this.objects(resource).has(key)) throw errors.alreadyExists(resource, stored.metadata.name ?? '');
    stored.metadata.resourceVersion = String(++this.rv);
    stored.metadata.uid ??= `uid-${stored.metadata.name}`;
    this.objects(resource).set(key, stored);
    this.emit(resource, 'ADDED', stored);
    return clone(stored);
  }

  async delete(resource: string, namespace: string, name: string): Promise<void> {
    const key = namespace ? `${namespace}/${name}` : name;
    const obj = this.objects(resource).get(key);
    if (!obj) throw errors.notFound(resource, name);
    this.objects(resource).delete(key);
    obj.metadata.resourceVersion = String(++this.rv);
    this.emit(resource, 'DELETED', obj);
  }

  /** Replaces spec/metadata (no resourceVersion check): how a test changes a node. */
  async replace<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    this.objects(resource).set(objectKey(stored), stored);
    this.emit(resource, 'MODIFIED', stored);
    return clone(stored);
  }

  async updateStatus<T extends KubeObject>(resource: string, obj: T): Promise<T> {
    const key = objectKey(obj);
    const cur = this.objects(resource).get(key);
    if (!cur) throw errors.notFound(resource, obj.metadata.name ?? '');
    if (obj.metadata.resourceVersion !== cur.metadata.resourceVersion) throw errors.staleResourceVersion(resource, obj.metadata.name ?? '');
    const next = { ...clone(cur), status: clone(obj.status) };
    next.metadata.resourceVersion = String(++this.rv);
    this.objects(resource).set(key, next);
    if (resource === 'pods') this.statusUpdates.push(clone(next) as Pod);
    this.emit(resource, 'MODIFIED', next);
    return clone(next) as T;
  }

  async bind(namespace: string, pod: string, node: string): Promise<KubeObject> {
    const key = `${namespace}/${pod}`;
    const cur = this.objects('pods').get(key) as Pod | undefined;
    if (!cur) throw errors.notFound('pods', pod);
    if (cur.spec.nodeName) throw new ApiError('Conflict', `pod ${pod} is already assigned to node "${cur.spec.nodeName}"`);
    const next = clone(cur);
    next.spec.nodeName = node;
    next.metadata.resourceVersion = String(++this.rv);
    this.objects('pods').set(key, next);
    this.binds.push({ pod: key, node });
    this.emit('pods', 'MODIFIED', next);
    return { apiVersion: 'v1', kind: 'Status', metadata: {} };
  }

  pod(key: string): Pod | undefined {
    const p = this.objects('pods').get(key);
    return p ? (clone(p) as Pod) : undefined;
  }
}

export interface RecordedEvent {
  object: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export class FakeRecorder {
  readonly events: RecordedEvent[] = [];
  record(obj: Readonly<KubeObject>, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ object: objectKey(obj), type, reason, message });
  }
}
