// A client-side mirror of a set of objects kept by one list + watch, for suites and benchmarks that
// must see every state the cluster goes through, not samples of it: an invariant ("never fewer than
// 4 available pods") is checked at each event, in the order the apiserver delivers them, each event
// giving the whole set as it stands at that resourceVersion. When the watch breaks it watches again,
// counts it in `relists` when it had to list again (resourceVersion Gone: the states in between were
// not seen, and a caller checking an invariant says so); other breaks resume from the last version.

import { isGone, objectKey, type KubeObject, type WatchEvent } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
import { WaitTimeoutError } from './wait-for.js';

export interface WatchedSetOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** A watch event, or `SYNC` once the initial list (or a relist) has been loaded. */
export type SetEvent<T extends KubeObject> = WatchEvent<T> | { type: 'SYNC'; object: undefined };

export type SetListener<T extends KubeObject> = (ev: SetEvent<T>, objects: readonly T[], at: number) => void;

export class WatchedSet<T extends KubeObject> {
  /** Objects by `namespace/name`, as of the last event. */
  readonly objects = new Map<string, T>();
  /** How many times the watch broke and the set was listed again. */
  relists = 0;
  private readonly listeners = new Set<SetListener<T>>();
  private stream: { close(): void } | undefined;
  private closed = false;
  private rv = '';

  constructor(
    private readonly client: Pick<ApiInterface, 'list' | 'watch'>,
    private readonly resource: string,
    private readonly opts: WatchedSetOptions = {},
  ) {}

  /** Lists, then watches in the background; resolves once the list is loaded. */
  async start(): Promise<this> {
    await this.relist();
    void this.loop();
    return this;
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  /** Calls `fn` with every event from now on (and once now, as `SYNC`); returns the unsubscribe. */
  on(fn: SetListener<T>): () => void {
    this.listeners.add(fn);
    fn({ type: 'SYNC', object: undefined }, this.list(), performance.now());
    return () => this.listeners.delete(fn);
  }

  /**
   * Resolves with the first truthy value `pred` returns on the set (checked now and at each event);
   * rejects with what was last seen after `timeoutMs`, or when `pred` throws.
   */
  until<R>(pred: (objects: readonly T[]) => R | undefined | false, opts: { timeoutMs: number; what: string }): Promise<{ value: NonNullable<R>; at: number }> {
    return new Promise((resolve, reject) => {
      let last: unknown = 'nothing yet';
      let off: () => void = () => undefined;
      const timer = setTimeout(() => {
        off();
        reject(new WaitTimeoutError(opts.what, opts.timeoutMs, last));
      }, opts.timeoutMs);
      let done = false;
      off = this.on((_ev, objects, at) => {
        if (done) return;
        try {
          const v = pred(objects);
          if (v) {
            done = true;
            clearTimeout(timer);
            queueMicrotask(() => off());
            resolve({ value: v as NonNullable<R>, at });
          } else {
            last = objects.map((o) => o.metadata.name).join(' ') || 'no objects';
          }
        } catch (e) {
          done = true;
          clearTimeout(timer);
          queueMicrotask(() => off());
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
  }

  private emit(ev: SetEvent<T>, at: number): void {
    const objects = this.list();
    for (const fn of [...this.listeners]) fn(ev, objects, at);
  }

  private async relist(): Promise<void> {
    const l = await this.client.list<T>(this.resource, this.opts);
    this.objects.clear();
    for (const o of l.items) this.objects.set(objectKey(o), o);
    this.rv = l.metadata.resourceVersion ?? '';
    this.emit({ type: 'SYNC', object: undefined }, performance.now());
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      const w = this.client.watch<T>(this.resource, { ...this.opts, resourceVersion: this.rv });
      this.stream = w;
      let gone = false;
      try {
        for await (const ev of w) {
          const at = performance.now();
          if (this.closed) break;
          this.rv = ev.object.metadata.resourceVersion ?? this.rv;
          if (ev.type === 'BOOKMARK') continue;
          const key = objectKey(ev.object);
          if (ev.type === 'DELETED') this.objects.delete(key);
          else this.objects.set(key, ev.object);
          this.emit(ev, at);
        }
      } catch (e) {
        // Gone: the resourceVersion is compacted away, list again. Anything else (Unavailable, a
        // broken stream): watch again from the same resourceVersion, nothing is missed.
        gone = isGone(e);
      }
      if (this.closed) return;
      await new Promise((r) => setTimeout(r, 100));
      if (!gone) continue;
      try {
        this.relists++;
        await this.relist();
      } catch {
        // the apiserver is unreachable: the next watch fails again and comes back here
      }
    }
  }
}
