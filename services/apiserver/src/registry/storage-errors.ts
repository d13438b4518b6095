// Runs storage calls on the registry's behalf, turning storage failures into Kubernetes errors
// (storage/api-errors.ts holds the mapping).

import { storageToApiError } from '../storage/api-errors.js';

/** Runs a storage call and translates its failures. */
export async function viaStorage<T>(resource: string, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw storageToApiError(e, resource, name);
  }
}
