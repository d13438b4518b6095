// Storage failures become Kubernetes errors: a missing key NotFound, a lost compare-and-swap
// Conflict, an unreachable etcd ServiceUnavailable.

import { ApiError, errors } from '@skiff/api';
import { StorageConflict, StorageKeyExists, StorageKeyNotFound, StorageUnavailable } from '../storage/storage.js';

export function storageToApiError(e: unknown, resource: string, name: string): unknown {
  if (e instanceof ApiError) return e;
  if (e instanceof StorageKeyNotFound) return errors.notFound(resource, name);
  if (e instanceof StorageKeyExists) return errors.alreadyExists(resource, name);
  if (e instanceof StorageConflict) return errors.staleResourceVersion(resource, name);
  if (e instanceof StorageUnavailable) return errors.unavailable(`storage is unavailable: ${e.message}`);
  return e;
}

/** Runs a storage call and translates its failures. */
export async function viaStorage<T>(resource: string, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw storageToApiError(e, resource, name);
  }
}
