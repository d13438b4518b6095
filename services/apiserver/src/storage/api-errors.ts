// Storage errors as the API reports them (Kubernetes' storage.InterpretCreateError and friends):
// the registry calls this on whatever a Storage call threw.

import { ApiError, errors } from '@skiff/api';
import {
  StorageCompacted,
  StorageConflict,
  StorageKeyExists,
  StorageKeyNotFound,
  StorageUnavailable,
} from './storage.js';

/** `resource` is the plural resource ("pods"), `name` the object's name. */
export function storageToApiError(err: unknown, resource: string, name: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StorageKeyExists) return errors.alreadyExists(resource, name);
  if (err instanceof StorageKeyNotFound) return errors.notFound(resource, name);
  if (err instanceof StorageConflict) return errors.staleResourceVersion(resource, name);
  if (err instanceof StorageUnavailable) return errors.unavailable(`storage is unavailable: ${err.message}`);
  if (err instanceof StorageCompacted || (err instanceof Error && (err as { compacted?: unknown }).compacted === true)) {
    // Kubernetes' etcd3 watcher answers a compacted watch with this message (410 Expired).
    return errors.gone('The resourceVersion for the provided watch is too old.');
  }
  return errors.internal(err instanceof Error ? err.message : String(err));
}
