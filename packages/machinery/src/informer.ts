// An informer after client-go's reflector + indexer: list, remember the resourceVersion, watch from
// it (with bookmarks, so a quiet watch still moves its resume point), relist on Gone (410), retry
// with backoff while the apiserver is unavailable. It keeps an indexed local cache of read-only
// objects and tells handlers what changed; handlers should only enqueue keys.

import { isGone, objectKey, type KubeList, type KubeObject } from '@skiff/api';
import type { ListOptions, WatchOptions, WatchStream } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { RealClock, type Clock } from './clock.js';

/** What an informer needs of the client: `ApiClient` satisfies it, tests pass a fake. */
export interface ListerWatcher {
  list<T extends KubeObject>(resource: string, opts?: ListOptions): Promise<KubeList<T>>;
  watch<T extends KubeObject>(resource: string, opts?: WatchOptions): WatchStream<T>;
}

export interface EventHandlers<T> {
  add?(obj: Readonly<T>): void;
  update?(old: Readonly<T>, cur: Readonly<T>): void;
  delete?(obj: Readonly<T>): void;
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  log?: Logger;
  clock?: Clock;
  /** Backoff bounds while the apiserver is unreachable. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

type IndexFn<T> = (obj: Readonly<T>) => string[];

export class Informer<T extends KubeObject> {
  private readonly items = new Map<string, Readonly<T>>();
  private readonly indexFns = new Map<string, IndexFn<T>>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: EventHandlers<T>[] = [];
  private readonly clock: Clock;
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private resourceVersion: string | undefined;
  private current: WatchStream<T> | undefined;

  constructor(
    private readonly client: ListerWatcher,
    readonly resource: string,
    private readonly opts: InformerOptions = {},
  ) {
    this.clock = opts.clock ?? new RealClock();
  }

  on(handlers: EventHandlers<T>): void {
    this.handlers.push(handlers);
  }

  addIndex(name: string, fn: IndexFn<T>): void {
    this.indexFns.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.items) for (const v of fn(obj)) this.indexAdd(index, v, key);
  }

  get(key: string): Readonly<T> | undefined {
    return this.items.get(key);
  }

  list(): Readonly<T>[] {
    return [...this.items.values()];
  }

  byIndex(name: string, value: string): Readonly<T>[] {
    const keys = this.indices.get(name)?.get(value);
    if (!keys) return [];
    return [...keys].map((k) => this.items.get(k)).filter((o): o is Readonly<T> => o !== undefined);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the informer would resume from. */
  lastResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  start(signal: AbortSignal): void {
    signal.addEventListener('abort', () => this.current?.close(), { once: true });
    void this.loop(signal);
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const minBackoff = this.opts.minBackoffMs ?? 200;
    const maxBackoff = this.opts.maxBackoffMs ?? 10_000;
    let backoff = minBackoff;
    const log = this.opts.log;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        await this.watchOnce(signal);
        backoff = minBackoff;
      } catch (e) {
        if (signal.aborted) break;
        if (isGone(e)) {
          log?.info({ resource: this.resource, resourceVersion: this.resourceVersion }, 'watch expired, relisting');
          this.resourceVersion = undefined;
          continue;
        }
        log?.warn({ resource: this.resource, err: e instanceof Error ? e.message : String(e) }, 'list/watch failed, retrying');
        await this.clock.sleep(backoff, signal);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  }

  private listOptions(): ListOptions {
    const o: ListOptions = {};
    if (this.opts.namespace) o.namespace = this.opts.namespace;
    if (this.opts.labelSelector) o.labelSelector = this.opts.labelSelector;
    if (this.opts.fieldSelector) o.fieldSelector = this.opts.fieldSelector;
    return o;
  }

  /** Replaces the cache with a fresh list, telling handlers the difference. */
  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.resource, this.listOptions());
    const seen = new Set<string>();
    for (const obj of list.items) {
      const key = objectKey(obj);
      seen.add(key);
      this.upsert(key, obj);
    }
    for (const [key, old] of [...this.items]) {
      if (!seen.has(key)) this.remove(key, old);
    }
    this.resourceVersion = list.metadata.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  /** Watches from the remembered resourceVersion until the stream ends or fails. */
  private async watchOnce(signal: AbortSignal): Promise<void> {
    const opts: WatchOptions = { ...this.listOptions(), allowBookmarks: true };
    if (this.resourceVersion !== undefined) opts.resourceVersion = this.resourceVersion;
    const stream = this.client.watch<T>(this.resource, opts);
    this.current = stream;
    if (signal.aborted) stream.close();
    try {
      for await (const ev of stream) {
        const rv = ev.object.metadata.resourceVersion;
        if (ev.type !== 'BOOKMARK') {
          const key = objectKey(ev.object);
          if (ev.type === 'DELETED') {
            const old = this.items.get(key);
            if (old) this.remove(key, ev.object);
          } else this.upsert(key, ev.object);
        }
        if (rv) this.resourceVersion = rv;
      }
    } finally {
      this.current = undefined;
      stream.close();
    }
  }

  private upsert(key: string, obj: Readonly<T>): void {
    const old = this.items.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
    for (const h of this.handlers) {
      if (old) h.update?.(old, obj);
      else h.add?.(obj);
    }
  }

  private remove(key: string, last: Readonly<T>): void {
    const old = this.items.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.items.delete(key);
    for (const h of this.handlers) h.delete?.(last);
  }

  private index(key: string, obj: Readonly<T>): void {
    for (const [name, fn] of this.indexFns) {
      const index = this.indices.get(name);
      if (index) for (const v of fn(obj)) this.indexAdd(index, v, key);
    }
  }

  private unindex(key: string, obj: Readonly<T>): void {
    for (const [name, fn] of this.indexFns) {
      const index = this.indices.get(name);
      for (const v of fn(obj)) {
        const set = index?.get(v);
        set?.delete(key);
        if (set?.size === 0) index?.delete(v);
      }
    }
  }

  private indexAdd(index: Map<string, Set<string>>, value: string, key: string): void {
    let set = index.get(value);
    if (!set) index.set(value, (set = new Set()));
    set.add(key);
  }
}

/** Index functions every controller wants. */
export const indexers = {
  namespace: (obj: Readonly<KubeObject>): string[] => [obj.metadata.namespace ?? ''],
  controllerUid: (obj: Readonly<KubeObject>): string[] =>
    (obj.metadata.ownerReferences ?? []).filter((r) => r.controller === true).map((r) => r.uid),
  ownerUids: (obj: Readonly<KubeObject>): string[] => (obj.metadata.ownerReferences ?? []).map((r) => r.uid),
};
