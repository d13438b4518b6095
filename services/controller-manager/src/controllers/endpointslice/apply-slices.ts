// Writes a slice plan (reconciler.go finalize): creates (unless the owner is being deleted),
// then updates, then deletes, each remembered by the tracker so the next sync waits for the cache
// to show it. Shared by the EndpointSlice and mirroring controllers.

import { isApiError, type EndpointSlice } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { isNamespaceTerminating } from '../../api-errors.js';
import type { SliceTracker } from './slice-tracker.js';

export interface SliceWrites {
  create: readonly EndpointSlice[];
  update: readonly EndpointSlice[];
  delete: readonly EndpointSlice[];
}

export interface SliceChanges {
  created: number;
  updated: number;
  deleted: number;
}

export async function applySlices(
  client: Pick<ApiClient, 'create' | 'update' | 'delete'>,
  tracker: SliceTracker,
  owner: string,
  writes: SliceWrites,
  opts: { ownerDeleting: boolean },
): Promise<SliceChanges> {
  const changes: SliceChanges = { created: 0, updated: 0, deleted: 0 };
  if (!opts.ownerDeleting) {
    for (const slice of writes.create) {
      try {
        tracker.wrote(owner, await client.create<EndpointSlice>('endpointslices', slice));
        changes.created++;
      } catch (e) {
        // The namespace is going away: creates fail from now on, nothing to retry.
        if (isNamespaceTerminating(e)) return changes;
        throw e;
      }
    }
  }
  for (const slice of writes.update) {
    tracker.wrote(owner, await client.update<EndpointSlice>('endpointslices', slice));
    changes.updated++;
  }
  await deleteSlices(client, tracker, owner, writes.delete);
  changes.deleted += writes.delete.length;
  return changes;
}

/** Deletes slices (uid precondition), tolerating ones already gone. */
export async function deleteSlices(client: Pick<ApiClient, 'delete'>, tracker: SliceTracker, owner: string, slices: readonly Readonly<EndpointSlice>[]): Promise<void> {
  for (const slice of slices) {
    try {
      await client.delete('endpointslices', slice.metadata.namespace ?? '', slice.metadata.name ?? '', { preconditions: { uid: slice.metadata.uid ?? '' } });
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
    }
    tracker.expectDeletion(owner, slice);
  }
}
