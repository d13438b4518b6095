// The informer wiring the EndpointSlice and mirroring controllers share: slices are indexed by
// their Service (`kubernetes.io/service-name`); an event on a slice a controller manages (or one
// whose manager changed) enqueues that Service, and a deletion settles the tracker's expectation.

import type { EndpointSlice } from '@skiff/api';
import type { Informer } from '@skiff/machinery';
import { byServiceIndex, managedBy, SERVICE_INDEX, sliceServiceKey } from './endpoint-set.js';
import type { SliceTracker } from './slice-tracker.js';

export function watchManagedSlices(slices: Informer<EndpointSlice>, manager: string, tracker: SliceTracker, enqueue: (key: string) => void): void {
  slices.addIndex(SERVICE_INDEX, byServiceIndex);
  const enqueueFor = (slice: Readonly<EndpointSlice>, any = false): void => {
    const key = sliceServiceKey(slice);
    if (key && (any || managedBy(slice) === manager)) enqueue(key);
  };
  slices.on({
    add: (slice) => enqueueFor(slice),
    update: (old, slice) => {
      // Taken over by (or given up from) this controller: it looks again.
      if (managedBy(old) !== managedBy(slice)) enqueueFor(old, true);
      enqueueFor(slice);
    },
    delete: (slice) => {
      const key = sliceServiceKey(slice);
      if (key && managedBy(slice) === manager) tracker.observedDeletion(key, slice);
      enqueueFor(slice);
    },
  });
}

/** The slices `manager` manages for the Service `key` (`namespace/name`). */
export function managedSlicesOf(slices: Informer<EndpointSlice>, key: string, manager: string): Readonly<EndpointSlice>[] {
  return slices.byIndex(SERVICE_INDEX, key).filter((s) => managedBy(s) === manager);
}
