// An in-memory Storage with etcd's revision semantics, for unit tests of everything above storage.
// One store-wide revision counter (1 when empty, like a fresh etcd; every write takes the next
// one), a history of events that watches replay from, and `compact(rev)` that forgets history
// older than `rev` exactly as etcd does (events at `rev` itself stay watchable).

import {
  StorageCompacted,
  StorageConflict,
  StorageKeyExists,
  StorageKeyNotFound,
  StorageUnavailable,
  type ListResult,
  type Storage,
  type StorageEvent,
  type StorageWatch,
  type StoredValue,
  type WatchHandlers,
} from './storage.js';

interface Entry {
  value: string;
  modRevision: number;
}

interface MemoryWatcher {
  prefix: string;
  handlers: WatchHandlers;
  pending: StorageEvent[][];
  scheduled: boolean;
  closed: boolean;
}

export class MemoryStorage implements Storage {
  private rev = 1;
  private compactedRev = 0;
  private readonly data = new Map<string, Entry>();
  /** Every event after compactedRev, in revision order. */
  private history: StorageEvent[] = [];
  private readonly watchers = new Set<MemoryWatcher>();
  private closed = false;

  async create(key: string, value: string): Promise<number> {
    this.checkOpen();
    if (this.data.has(key)) throw new StorageKeyExists(key);
    return this.write({ type: 'put', key, value, prevValue: undefined });
  }

  async get(key: string): Promise<StoredValue | undefined> {
    this.checkOpen();
    const entry = this.data.get(key);
    return entry === undefined ? undefined : { key, value: entry.value, modRevision: entry.modRevision };
  }

  async list(prefix: string): Promise<ListResult> {
    this.checkOpen();
    const items: StoredValue[] = [];
    for (const [key, entry] of this.data) {
      if (key.startsWith(prefix)) items.push({ key, value: entry.value, modRevision: entry.modRevision });
    }
    // etcd orders a range by the keys' bytes; plain string comparison of code units matches it
    // for the ASCII keys the registry writes.
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items, revision: this.rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<number> {
    this.checkOpen();
    const entry = this.data.get(key);
    if (entry === undefined) throw new StorageKeyNotFound(key);
    if (entry.modRevision !== expectedRevision) throw new StorageConflict(key);
    return this.write({ type: 'put', key, value, prevValue: entry.value });
  }

  async delete(key: string, expectedRevision?: number): Promise<number> {
    this.checkOpen();
    const entry = this.data.get(key);
    if (entry === undefined) throw new StorageKeyNotFound(key);
    if (expectedRevision !== undefined && entry.modRevision !== expectedRevision) throw new StorageConflict(key);
    return this.write({ type: 'delete', key, value: undefined, prevValue: entry.value });
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): StorageWatch {
    const watcher: MemoryWatcher = { prefix, handlers, pending: [], scheduled: false, closed: false };
    if (this.closed) {
      this.deliverError(watcher, new StorageUnavailable('storage is closed'));
    } else if (fromRevision + 1 < this.compactedRev) {
      // etcd refuses a watch whose start revision (fromRevision + 1) is below the compacted one.
      this.deliverError(watcher, new StorageCompacted(fromRevision, this.compactedRev));
    } else {
      const replay = this.history.filter((e) => e.modRevision > fromRevision && e.key.startsWith(prefix));
      if (replay.length > 0) this.enqueue(watcher, replay);
      this.watchers.add(watcher);
    }
    return {
      close: async () => {
        watcher.closed = true;
        this.watchers.delete(watcher);
      },
    };
  }

  async revision(): Promise<number> {
    this.checkOpen();
    return this.rev;
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (revision > this.rev) {
      throw new Error(`cannot compact to revision ${revision}: the store is at ${this.rev}`);
    }
    if (revision <= this.compactedRev) return;
    this.compactedRev = revision;
    this.history = this.history.filter((e) => e.modRevision >= revision);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.watchers) w.closed = true;
    this.watchers.clear();
  }

  /**
   * Ends every open watch with `err` (default: compacted), as etcd does to watches whose history
   * was compacted while they were disconnected. For tests of what sits on top of a watch.
   */
  failWatches(err: Error & { compacted?: boolean } = new StorageCompacted(this.rev, this.compactedRev)): void {
    for (const w of this.watchers) {
      this.watchers.delete(w);
      w.pending = [];
      this.deliverError(w, err);
    }
  }

  /** The number of open watches (tests check that a watch cache holds exactly one). */
  watchCount(): number {
    return this.watchers.size;
  }

  private write(e: Omit<StorageEvent, 'modRevision'>): number {
    this.rev += 1;
    const event: StorageEvent = { ...e, modRevision: this.rev };
    if (event.type === 'put') this.data.set(event.key, { value: event.value ?? '', modRevision: this.rev });
    else this.data.delete(event.key);
    this.history.push(event);
    for (const w of this.watchers) {
      if (event.key.startsWith(w.prefix)) this.enqueue(w, [{ ...event }]);
    }
    return this.rev;
  }

  private enqueue(w: MemoryWatcher, events: StorageEvent[]): void {
    w.pending.push(events.map((e) => ({ ...e })));
    if (w.scheduled) return;
    w.scheduled = true;
    // Deliver asynchronously, as etcd does, so a handler never runs inside the writer's call.
    queueMicrotask(() => {
      w.scheduled = false;
      while (!w.closed && w.pending.length > 0) {
        const batch = w.pending.shift();
        if (batch !== undefined) w.handlers.onEvents(batch);
      }
    });
  }

  private deliverError(w: MemoryWatcher, err: Error & { compacted?: boolean }): void {
    queueMicrotask(() => {
      if (!w.closed) w.handlers.onError(err);
    });
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageUnavailable('storage is closed');
  }
}
