// Read, change and write back one object with optimistic concurrency: the update carries the
// resourceVersion that was read, and a Conflict (someone wrote in between) starts over from a
// fresh read, as client-go's retry.RetryOnConflict does.

import { ApiError, type KubeObject } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';

export interface ReadModifyWriteResult<T extends KubeObject> {
  /** The object as read by the attempt that succeeded. */
  before: T;
  /** The object as written; undefined when `change` asked for no write. */
  after: T | undefined;
}

/**
 * `change` returns the object to write (from the current one; keep its resourceVersion) or
 * undefined to write nothing; it may throw to stop.
 */
export async function readModifyWrite<T extends KubeObject>(
  api: Pick<ApiInterface, 'get' | 'update'>,
  resource: string,
  namespace: string,
  name: string,
  change: (current: T) => T | undefined,
  attempts = 5,
): Promise<ReadModifyWriteResult<T>> {
  for (let attempt = 1; ; attempt++) {
    const before = await api.get<T>(resource, namespace, name);
    const next = change(structuredClone(before));
    if (next === undefined) return { before, after: undefined };
    next.metadata.resourceVersion = before.metadata.resourceVersion ?? '';
    try {
      return { before, after: await api.update<T>(resource, next) };
    } catch (e) {
      if (!(e instanceof ApiError && e.reason === 'Conflict') || attempt >= attempts) throw e;
    }
  }
}
