// Whether the EndpointSlice cache has caught up with this controller's own writes, after
// Kubernetes' staging/src/k8s.io/endpointslice/util/endpointslice_tracker.go (StaleSlices): a
// sync on a cache that does not yet show a slice just created (or still shows one just deleted)
// would create it twice, so it waits instead. The informer event of the write re-enqueues the
// owner. Skiff's resourceVersions are etcd revisions, so "caught up" is a numeric comparison; an
// expectation is dropped after a while in case its event was lost to a relist.

import type { EndpointSlice } from '@skiff/api';
import type { Clock } from '@skiff/machinery';

const EXPECTATION_TTL_MS = 30_000;

interface Expectation {
  name: string;
  /** The resourceVersion written, or `deleted`. */
  rv: number | 'deleted';
  at: number;
}

export class SliceTracker {
  /** owner key (`namespace/name`) → slice uid → what was written. */
  private readonly expected = new Map<string, Map<string, Expectation>>();

  constructor(private readonly clock: Clock) {}

  private entries(owner: string): Map<string, Expectation> {
    let m = this.expected.get(owner);
    if (!m) this.expected.set(owner, (m = new Map()));
    return m;
  }

  /** A create or update came back as `slice`. */
  wrote(owner: string, slice: Readonly<EndpointSlice>): void {
    const rv = Number(slice.metadata.resourceVersion);
    if (!slice.metadata.uid || !Number.isFinite(rv)) return;
    this.entries(owner).set(slice.metadata.uid, { name: slice.metadata.name ?? '', rv, at: this.clock.now() });
  }

  expectDeletion(owner: string, slice: Readonly<EndpointSlice>): void {
    if (!slice.metadata.uid) return;
    this.entries(owner).set(slice.metadata.uid, { name: slice.metadata.name ?? '', rv: 'deleted', at: this.clock.now() });
  }

  /** The informer saw the slice go: nothing more to wait for about it. */
  observedDeletion(owner: string, slice: Readonly<EndpointSlice>): void {
    const m = this.expected.get(owner);
    if (!m || !slice.metadata.uid) return;
    m.delete(slice.metadata.uid);
    if (m.size === 0) this.expected.delete(owner);
  }

  forget(owner: string): void {
    this.expected.delete(owner);
  }

  /** Whether `cached` (the owner's slices in the cache) is behind a write; met expectations are dropped. */
  isStale(owner: string, cached: readonly Readonly<EndpointSlice>[]): boolean {
    const m = this.expected.get(owner);
    if (!m) return false;
    const byUid = new Map(cached.map((s) => [s.metadata.uid ?? '', s]));
    const now = this.clock.now();
    let stale = false;
    for (const [uid, e] of m) {
      const seen = byUid.get(uid);
      const met = e.rv === 'deleted' ? !seen : seen !== undefined && !(Number(seen.metadata.resourceVersion) < e.rv);
      if (met || now - e.at > EXPECTATION_TTL_MS) m.delete(uid);
      else stale = true;
    }
    if (m.size === 0) this.expected.delete(owner);
    return stale;
  }
}
