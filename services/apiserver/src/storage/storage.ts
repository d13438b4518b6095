// The storage interface the apiserver's registry writes through. Keys are strings such as
// `/registry/pods/default/web-1`; values are the objects' JSON text. Revisions are etcd's: one
// store-wide counter, `modRevision` of a key is the revision of its last write, and a key's
// `resourceVersion` is its modRevision. Two adapters pass one contract suite: etcd (the product)
// and in-memory (unit tests).

export interface StoredValue {
  key: string;
  value: string;
  modRevision: number;
}

export interface ListResult {
  items: StoredValue[];
  /** The store revision the list was read at. */
  revision: number;
}

export type StorageEventType = 'put' | 'delete';

export interface StorageEvent {
  type: StorageEventType;
  key: string;
  /** The new value for put; undefined for delete. */
  value: string | undefined;
  /** The value before this event, when there was one. */
  prevValue: string | undefined;
  /** The revision of this event (for a delete, the revision the delete happened at). */
  modRevision: number;
}

export interface StorageWatch {
  /** Resolves on close. */
  close(): Promise<void>;
}

export interface WatchHandlers {
  /** Events in revision order, each batch from one store transaction or notification. */
  onEvents(events: StorageEvent[]): void;
  /**
   * The watch cannot continue: `compacted` when fromRevision is older than the store keeps (the
   * caller must relist), otherwise a lasting failure. Transient disconnects are retried inside.
   */
  onError(err: Error & { compacted?: boolean }): void;
}

export interface Storage {
  /** Creates the key if absent; throws StorageKeyExists otherwise. Returns the new modRevision. */
  create(key: string, value: string): Promise<number>;
  get(key: string): Promise<StoredValue | undefined>;
  /** Every key under the prefix, in key order, read at one revision. */
  list(prefix: string): Promise<ListResult>;
  /**
   * Compare-and-swap: writes only if the key's modRevision is still `expectedRevision`; throws
   * StorageConflict if it changed, StorageKeyNotFound if the key is gone.
   */
  update(key: string, value: string, expectedRevision: number): Promise<number>;
  /** Deletes the key if its modRevision is `expectedRevision` (or unconditionally if undefined). */
  delete(key: string, expectedRevision?: number): Promise<number>;
  /** Every change under the prefix after `fromRevision` (exclusive). */
  watch(prefix: string, fromRevision: number, handlers: WatchHandlers): StorageWatch;
  /** The store's current revision. */
  revision(): Promise<number>;
  /**
   * Drops history older than the revision (tests of 410 Gone). As in etcd, events at `revision`
   * itself stay watchable: afterwards a watch fails with `compacted` iff `fromRevision + 1 <
   * revision`. Compacting to a revision already compacted is a no-op.
   */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}

export class StorageKeyExists extends Error {
  constructor(readonly key: string) {
    super(`key ${key} already exists`);
  }
}

export class StorageKeyNotFound extends Error {
  constructor(readonly key: string) {
    super(`key ${key} not found`);
  }
}

export class StorageConflict extends Error {
  constructor(readonly key: string) {
    super(`key ${key} was modified concurrently`);
  }
}

/** The store cannot be reached (etcd down): the apiserver answers ServiceUnavailable. */
export class StorageUnavailable extends Error {}

/**
 * A watch asked for history the store has compacted away (etcd's "required revision has been
 * compacted"): the caller must relist. Reported through `WatchHandlers.onError`.
 */
export class StorageCompacted extends Error {
  readonly compacted = true;
  constructor(
    readonly fromRevision: number,
    /** The store's compacted revision, when known (etcd's watch cancel does not always say). */
    readonly compactRevision?: number,
  ) {
    super(
      `required revision has been compacted: watch from revision ${fromRevision}` +
        (compactRevision === undefined ? '' : `, compacted at ${compactRevision}`),
    );
  }
}
