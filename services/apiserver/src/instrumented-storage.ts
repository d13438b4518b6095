// A Storage decorator that records etcd_request_duration_seconds{operation, type}, where type is
// the resource the key belongs to (`/registry/pods/...` → pods).

import type { ListResult, Storage, StoredValue, StorageWatch, WatchHandlers } from './storage/storage.js';
import type { ApiserverMetrics } from './metrics.js';

function typeOf(key: string): string {
  return key.split('/')[2] ?? '';
}

export class InstrumentedStorage implements Storage {
  constructor(
    private readonly inner: Storage,
    private readonly metrics: ApiserverMetrics,
  ) {}

  private async timed<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    const end = this.metrics.etcdRequestDuration.startTimer({ operation, type: typeOf(key) });
    try {
      return await fn();
    } finally {
      end();
    }
  }

  create(key: string, value: string): Promise<number> {
    return this.timed('create', key, () => this.inner.create(key, value));
  }
  get(key: string): Promise<StoredValue | undefined> {
    return this.timed('get', key, () => this.inner.get(key));
  }
  list(prefix: string): Promise<ListResult> {
    return this.timed('list', prefix, () => this.inner.list(prefix));
  }
  update(key: string, value: string, expectedRevision: number): Promise<number> {
    return this.timed('update', key, () => this.inner.update(key, value, expectedRevision));
  }
  delete(key: string, expectedRevision?: number): Promise<number> {
    return this.timed('delete', key, () => this.inner.delete(key, expectedRevision));
  }
  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): StorageWatch {
    return this.inner.watch(prefix, fromRevision, handlers);
  }
  revision(): Promise<number> {
    return this.timed('revision', '', () => this.inner.revision());
  }
  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
