// Encryption at rest as a Storage decorator: values of the configured resources
// (`/registry/<resource>/...`) are encrypted on create and update and decrypted on get, list and
// watch, so the registry and the watch cache see plain JSON and etcd only ciphertext. A value that
// cannot be decrypted fails the read (InternalError naming the key), as in Kubernetes.

import { RESOURCES } from '@skiff/api';
import { StorageConflict, StorageKeyNotFound, type ListResult, type Storage, type StorageEvent, type StorageWatch, type StoredValue, type WatchHandlers } from '../storage/storage.js';
import type { ResourceEncryption } from './config.js';
import { DecryptError, ValueTransformer } from './transformer.js';

/** The storage resource name (the key's second segment) of a configured name: `deployments.apps` → `deployments`. */
function matches(configured: string, resource: string): boolean {
  if (configured === '*.*') return true;
  const info = RESOURCES.find((r) => r.resource === resource);
  if (configured === '*.') return info?.group === '';
  if (configured.startsWith('*.')) return info?.group === configured.slice(2);
  const [name, ...group] = configured.split('.');
  return name === resource && (group.length === 0 ? (info?.group ?? '') === '' : info?.group === group.join('.'));
}

function resourceOf(key: string): string {
  return key.split('/')[2] ?? '';
}

export class EncryptingStorage implements Storage {
  private readonly transformers = new Map<string, ValueTransformer | undefined>();

  constructor(
    private readonly inner: Storage,
    private readonly config: readonly ResourceEncryption[],
  ) {}

  /** The transformer of the resource a key belongs to (the first matching entry), if it is configured. */
  private transformer(key: string): ValueTransformer | undefined {
    const resource = resourceOf(key);
    if (!this.transformers.has(resource)) {
      const entry = this.config.find((e) => e.resources.some((r) => matches(r, resource)));
      this.transformers.set(resource, entry ? new ValueTransformer(entry.providers) : undefined);
    }
    return this.transformers.get(resource);
  }

  /** The resources whose values are transformed (for the rewrite of stale values). */
  configuredResources(): string[] {
    return RESOURCES.map((r) => r.resource).filter((r) => this.transformer(`/registry/${r}/`) !== undefined);
  }

  private seal(key: string, value: string): string {
    return this.transformer(key)?.encrypt(key, value) ?? value;
  }

  private open(key: string, value: string): string {
    const t = this.transformer(key);
    return t ? t.decrypt(key, value).plaintext : value;
  }

  create(key: string, value: string): Promise<number> {
    return this.inner.create(key, this.seal(key, value));
  }

  async get(key: string): Promise<StoredValue | undefined> {
    const sv = await this.inner.get(key);
    return sv && { ...sv, value: this.open(key, sv.value) };
  }

  async list(prefix: string): Promise<ListResult> {
    const result = await this.inner.list(prefix);
    return { ...result, items: result.items.map((sv) => ({ ...sv, value: this.open(sv.key, sv.value) })) };
  }

  update(key: string, value: string, expectedRevision: number): Promise<number> {
    return this.inner.update(key, this.seal(key, value), expectedRevision);
  }

  delete(key: string, expectedRevision?: number): Promise<number> {
    return this.inner.delete(key, expectedRevision);
  }

  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): StorageWatch {
    return this.inner.watch(prefix, fromRevision, {
      onEvents: (events) => {
        let opened: StorageEvent[];
        try {
          opened = events.map((ev) => ({
            ...ev,
            value: ev.value === undefined ? undefined : this.open(ev.key, ev.value),
            prevValue: ev.prevValue === undefined ? undefined : this.open(ev.key, ev.prevValue),
          }));
        } catch (e) {
          // The watch cache restarts on this; its clients relist and see the error on the object.
          handlers.onError(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        handlers.onEvents(opened);
      },
      onError: (err) => handlers.onError(err),
    });
  }

  revision(): Promise<number> {
    return this.inner.revision();
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Rewrites every value of the configured resources that is not under the first provider's first
   * key (key rotation: put the new key first, restart, and the old key is no longer needed once
   * this has run; it runs at every apiserver start). A value changed meanwhile is skipped: its
   * writer already used the new key. Values no configured key decrypts are left as they are and
   * named in `unreadable`.
   */
  async rewriteStale(): Promise<{ rewritten: number; unreadable: string[] }> {
    let rewritten = 0;
    const unreadable: string[] = [];
    for (const resource of this.configuredResources()) {
      const { items } = await this.inner.list(`/registry/${resource}/`);
      for (const sv of items) {
        const t = this.transformer(sv.key);
        if (!t) continue;
        let opened;
        try {
          opened = t.decrypt(sv.key, sv.value);
        } catch (e) {
          if (!(e instanceof DecryptError)) throw e;
          unreadable.push(sv.key);
          continue;
        }
        if (!opened.stale) continue;
        try {
          await this.inner.update(sv.key, t.encrypt(sv.key, opened.plaintext), sv.modRevision);
          rewritten++;
        } catch (e) {
          if (!(e instanceof StorageConflict || e instanceof StorageKeyNotFound)) throw e;
        }
      }
    }
    return { rewritten, unreadable };
  }
}
