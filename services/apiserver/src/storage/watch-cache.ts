// One storage watch per resource prefix, fanned out in memory to every client watch of that
// resource, after Kubernetes' watch cache (k8s.io/apiserver/pkg/storage/cacher/watch_cache.go).
//
// The cache keeps the most recent events in a ring buffer. A client watch from revision R gets
// every buffered event after R, then live events. What can be served follows Kubernetes'
// getAllEventsSinceLocked: while no event has been evicted since the cache (re)started, anything
// from the start revision on; after an eviction, from one before the oldest buffered event. An
// older R answers 410 Expired "too old resource version: R (oldest servable)", and the client
// relists. Revisions are global across kinds, so R may be newer than anything this prefix has seen
// (a list of pods at 500 while the last pod event was 480): such a watch simply waits for events
// after R.
//
// The buffer resizes as Kubernetes' does: it doubles (up to the upper bound) when full of events
// younger than 75 s, and halves (down to the lower bound) when full and its newest quarter is
// older than that. Kubernetes' bounds are 100 and 100 * 1024 events.
//
// When the storage watch fails for good (its history was compacted during an etcd outage), events
// may have been missed: every client watch gets 410 Expired (they relist), and the cache restarts
// from the store's current revision.

import { errors, type ApiError } from '@skiff/api';
import type { Logger } from '@skiff/component';
import { silentLogger } from '@skiff/component';
import type { Storage, StorageEvent, StorageWatch } from './storage.js';

export const DEFAULT_WATCH_CACHE_LOWER_BOUND = 100;
export const DEFAULT_WATCH_CACHE_UPPER_BOUND = 100 * 1024;
/** Kubernetes' eventFreshDuration: how long the buffer tries to keep events. */
export const EVENT_FRESH_DURATION_MS = 75_000;

const RESTART_BACKOFF_INITIAL_MS = 100;
const RESTART_BACKOFF_MAX_MS = 5_000;

export interface WatchCacheOptions {
  /**
   * Events kept. Given alone, the buffer has exactly this size; with `maxCapacity` it is the lower
   * bound the buffer shrinks back to. Default: Kubernetes' dynamic 100 .. 102,400.
   */
  capacity?: number;
  /** Upper bound for the dynamic size. */
  maxCapacity?: number;
  log?: Logger;
  /** Milliseconds since the epoch; injected by tests of the resizing. */
  now?: () => number;
  /** First delay before retrying when the store cannot be read at (re)start; doubles up to 5 s. Default 100. */
  retryDelayMs?: number;
}

export interface WatchCacheStats {
  prefix: string;
  /** The revision the current storage watch started after. */
  startRevision: number;
  revision: number;
  capacity: number;
  buffered: number;
  watchers: number;
  /** How many times the storage watch failed and the cache started again. */
  restarts: number;
}

export interface CacheWatch {
  close(): void;
}

interface Buffered {
  event: StorageEvent;
  recordTime: number;
}

interface ClientWatch {
  /** Events up to this revision have been delivered (or were not asked for). */
  fromRevision: number;
  onEvents: (events: StorageEvent[]) => void;
  onError: (err: ApiError) => void;
  pending: StorageEvent[][];
  scheduled: boolean;
  closed: boolean;
}

type State = 'new' | 'starting' | 'running' | 'stopped';

export class WatchCache {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly lowerBound: number;
  private readonly upperBound: number;
  private readonly retryDelayMs: number;

  private state: State = 'new';
  /** Bumped whenever the storage watch is replaced, so callbacks of an old one are ignored. */
  private generation = 0;
  private storageWatch: StorageWatch | undefined;
  private startRevision = 0;
  private rev = 0;
  private restarts = 0;

  // Ring buffer as in Kubernetes: events live at [startIndex, endIndex) modulo capacity.
  private ring: (Buffered | undefined)[];
  private capacity: number;
  private startIndex = 0;
  private endIndex = 0;
  private removedEventSinceStart = false;

  private readonly watchers = new Set<ClientWatch>();
  /** Client watches opened while the cache is (re)starting; served once it runs. */
  private readonly waiting = new Set<ClientWatch>();
  private startPromise: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly prefix: string,
    opts: WatchCacheOptions = {},
  ) {
    this.log = (opts.log ?? silentLogger()).child({ watchCache: prefix });
    this.now = opts.now ?? Date.now;
    this.retryDelayMs = opts.retryDelayMs ?? RESTART_BACKOFF_INITIAL_MS;
    if (opts.capacity !== undefined) {
      this.lowerBound = opts.capacity;
      this.upperBound = Math.max(opts.capacity, opts.maxCapacity ?? opts.capacity);
    } else {
      this.lowerBound = DEFAULT_WATCH_CACHE_LOWER_BOUND;
      this.upperBound = Math.max(DEFAULT_WATCH_CACHE_LOWER_BOUND, opts.maxCapacity ?? DEFAULT_WATCH_CACHE_UPPER_BOUND);
    }
    if (!Number.isInteger(this.lowerBound) || this.lowerBound < 1) {
      throw new Error(`watch cache capacity must be a positive integer, got ${this.lowerBound}`);
    }
    this.capacity = this.lowerBound;
    this.ring = new Array<Buffered | undefined>(this.capacity);
  }

  /**
   * Reads the store's current revision and starts the storage watch from it. While the store is
   * unavailable it keeps trying (with backoff), so it resolves once the cache runs, or when
   * `stop()` is called first.
   */
  start(): Promise<void> {
    if (this.state !== 'new') return this.startPromise ?? Promise.resolve();
    this.state = 'starting';
    this.startPromise = this.establish();
    return this.startPromise;
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.generation += 1;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    const stopped = errors.unavailable(`the watch cache for ${this.prefix} is stopped`);
    for (const w of [...this.watchers, ...this.waiting]) this.fail(w, stopped);
    this.watchers.clear();
    this.waiting.clear();
    const sw = this.storageWatch;
    this.storageWatch = undefined;
    await sw?.close();
    await this.startPromise?.catch(() => undefined);
  }

  /** The newest revision this cache has seen, or the revision it started at. */
  revision(): number {
    return this.rev;
  }

  stats(): WatchCacheStats {
    return {
      prefix: this.prefix,
      startRevision: this.startRevision,
      revision: this.rev,
      capacity: this.capacity,
      buffered: this.endIndex - this.startIndex,
      watchers: this.watchers.size + this.waiting.size,
      restarts: this.restarts,
    };
  }

  /**
   * Delivers every event under the prefix with modRevision > fromRevision: first the buffered
   * ones, then live ones, in revision order, never inside this call. A fromRevision older than the
   * buffer can serve gets `onError` with 410 Expired; so does every watch when the cache restarts.
   */
  watch(
    fromRevision: number,
    onEvents: (events: StorageEvent[]) => void,
    onError: (err: ApiError) => void,
  ): CacheWatch {
    const w: ClientWatch = { fromRevision, onEvents, onError, pending: [], scheduled: false, closed: false };
    switch (this.state) {
      case 'stopped':
        this.fail(w, errors.unavailable(`the watch cache for ${this.prefix} is stopped`));
        break;
      case 'running':
        this.serve(w);
        break;
      default:
        this.waiting.add(w);
    }
    return {
      close: () => {
        w.closed = true;
        w.pending = [];
        this.watchers.delete(w);
        this.waiting.delete(w);
      },
    };
  }

  /** Replays what `w` may have from the buffer and adds it to the live watchers, or expires it. */
  private serve(w: ClientWatch): void {
    const size = this.endIndex - this.startIndex;
    // Kubernetes: until an event is evicted, everything after the start revision is here;
    // afterwards, everything after the oldest buffered event's predecessor revision.
    const oldest = this.removedEventSinceStart && size > 0 ? this.at(this.startIndex).event.modRevision : this.startRevision + 1;
    if (w.fromRevision < oldest - 1) {
      this.fail(w, errors.gone(`too old resource version: ${w.fromRevision} (${oldest - 1})`));
      return;
    }
    // Binary search for the first buffered event after fromRevision.
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(this.startIndex + mid).event.modRevision > w.fromRevision) hi = mid;
      else lo = mid + 1;
    }
    const replay: StorageEvent[] = [];
    for (let i = this.startIndex + lo; i < this.endIndex; i++) replay.push(this.at(i).event);
    if (replay.length > 0) this.enqueue(w, replay);
    this.watchers.add(w);
  }

  private async establish(): Promise<void> {
    let delay = this.retryDelayMs;
    while (this.state === 'starting') {
      let revision: number;
      try {
        revision = await this.storage.revision();
      } catch (err) {
        if (this.state !== 'starting') return;
        this.log.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: delay }, 'cannot read the store revision; retrying');
        await this.sleep(delay);
        delay = Math.min(delay * 2, RESTART_BACKOFF_MAX_MS);
        continue;
      }
      if (this.state !== 'starting') return;
      this.reset(revision);
      const generation = ++this.generation;
      this.storageWatch = this.storage.watch(this.prefix, revision, {
        onEvents: (events) => {
          if (generation === this.generation) this.onStorageEvents(events);
        },
        onError: (err) => {
          if (generation === this.generation) this.onStorageError(err);
        },
      });
      this.state = 'running';
      this.log.info({ revision }, 'watch cache started');
      const waiting = [...this.waiting];
      this.waiting.clear();
      for (const w of waiting) if (!w.closed) this.serve(w);
      return;
    }
  }

  private reset(revision: number): void {
    this.startRevision = revision;
    this.rev = revision;
    this.startIndex = 0;
    this.endIndex = 0;
    this.removedEventSinceStart = false;
    this.capacity = this.lowerBound;
    this.ring = new Array<Buffered | undefined>(this.capacity);
  }

  private onStorageEvents(events: StorageEvent[]): void {
    const accepted: StorageEvent[] = [];
    const recordTime = this.now();
    for (const event of events) {
      if (event.modRevision <= this.rev) {
        this.log.warn({ modRevision: event.modRevision, revision: this.rev }, 'ignoring an event not newer than the cache');
        continue;
      }
      this.add({ event, recordTime });
      this.rev = event.modRevision;
      accepted.push(event);
    }
    if (accepted.length === 0) return;
    for (const w of this.watchers) {
      if (w.closed) continue;
      const first = accepted.findIndex((e) => e.modRevision > w.fromRevision);
      if (first === -1) continue;
      this.enqueue(w, first === 0 ? accepted : accepted.slice(first));
    }
  }

  private onStorageError(err: Error & { compacted?: boolean }): void {
    this.generation += 1;
    this.storageWatch = undefined;
    this.restarts += 1;
    this.log.warn(
      { err: err.message, compacted: err.compacted === true, revision: this.rev },
      'storage watch failed; expiring client watches and restarting the cache',
    );
    const expired = errors.gone(
      `the watch cache for ${this.prefix} was restarted at revision ${this.rev}: ${err.message}; relist`,
    );
    for (const w of this.watchers) this.fail(w, expired);
    this.watchers.clear();
    this.state = 'starting';
    this.startPromise = this.establish();
  }

  /** Appends to the ring, resizing or evicting as Kubernetes' updateCache does. */
  private add(item: Buffered): void {
    this.resize(item.recordTime);
    if (this.endIndex === this.startIndex + this.capacity) {
      this.ring[this.startIndex % this.capacity] = undefined;
      this.startIndex += 1;
      this.removedEventSinceStart = true;
    }
    this.ring[this.endIndex % this.capacity] = item;
    this.endIndex += 1;
  }

  private resize(eventTime: number): void {
    const full = this.endIndex === this.startIndex + this.capacity;
    if (!full) return;
    if (eventTime - this.at(this.startIndex).recordTime < EVENT_FRESH_DURATION_MS) {
      const capacity = Math.min(this.capacity * 2, this.upperBound);
      if (capacity > this.capacity) this.setCapacity(capacity);
      return;
    }
    const quarter = Math.floor(this.capacity / 4);
    if (quarter > 0 && eventTime - this.at(this.endIndex - quarter).recordTime > EVENT_FRESH_DURATION_MS) {
      const capacity = Math.max(Math.floor(this.capacity / 2), this.lowerBound);
      if (capacity < this.capacity) this.setCapacity(capacity);
    }
  }

  private setCapacity(capacity: number): void {
    const size = this.endIndex - this.startIndex;
    const keep = Math.min(size, capacity);
    if (keep < size) this.removedEventSinceStart = true;
    const ring = new Array<Buffered | undefined>(capacity);
    const first = this.endIndex - keep;
    for (let i = 0; i < keep; i++) ring[i] = this.at(first + i);
    this.ring = ring;
    this.capacity = capacity;
    this.startIndex = 0;
    this.endIndex = keep;
  }

  private at(index: number): Buffered {
    const item = this.ring[index % this.capacity];
    if (item === undefined) throw new Error(`watch cache ring has no event at ${index}`);
    return item;
  }

  private enqueue(w: ClientWatch, events: StorageEvent[]): void {
    const last = events[events.length - 1];
    if (last !== undefined) w.fromRevision = last.modRevision;
    w.pending.push(events);
    if (w.scheduled) return;
    w.scheduled = true;
    queueMicrotask(() => {
      w.scheduled = false;
      while (!w.closed && w.pending.length > 0) {
        const batch = w.pending.shift();
        if (batch === undefined) break;
        try {
          w.onEvents(batch);
        } catch (err) {
          this.log.error({ err }, 'watch event handler threw');
        }
      }
    });
  }

  private fail(w: ClientWatch, err: ApiError): void {
    w.pending = [];
    const wasClosed = w.closed;
    w.closed = true;
    if (wasClosed) return;
    queueMicrotask(() => {
      try {
        w.onError(err);
      } catch (e) {
        this.log.error({ err: e }, 'watch error handler threw');
      }
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, ms);
    });
  }
}
