// One client watch: an optional synthetic ADDED for every current object, then the kind's watch
// cache from a revision, filtered with transition semantics, plus periodic BOOKMARKs. Ends with
// the cache's error (410 Expired for a revision too old, or after the cache restarted).

import { apiVersionOf, errors, type ApiError, type KubeObject, type WatchEvent } from '@skiff/api';
import type { WatchCache } from '../storage/watch-cache.js';
import { ObjectFilter, type FilterOptions } from './object-filter.js';
import type { ResourceStore } from './resource-store.js';
import { watchEventFor } from './watch-transition.js';

export interface WatchOptions extends FilterOptions {
  /** "" or "0": ADDED for every current object first; otherwise changes after that revision. */
  resourceVersion?: string;
  allowBookmarks?: boolean;
}

export interface WatchSink {
  send(event: WatchEvent): void;
  /** The watch cannot go on; nothing is sent after this. */
  fail(err: ApiError): void;
}

export interface ActiveWatch {
  close(): void;
}

export const DEFAULT_BOOKMARK_INTERVAL_MS = 10_000;

function parseRevision(rv: string): number | undefined {
  if (rv === '' || rv === '0') return undefined;
  if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resourceVersion "${rv}": must be a non-negative integer`);
  return Number(rv);
}

export async function startWatch(
  store: ResourceStore,
  cache: WatchCache,
  opts: WatchOptions,
  sink: WatchSink,
  bookmarkIntervalMs = DEFAULT_BOOKMARK_INTERVAL_MS,
): Promise<ActiveWatch> {
  const filter = ObjectFilter.parse(store.strategy, opts);
  let from = parseRevision(opts.resourceVersion ?? '');
  if (from === undefined) {
    const list = await store.list({ ...(opts.namespace ? { namespace: opts.namespace } : {}) });
    for (const obj of list.items) if (filter.matches(obj)) sink.send({ type: 'ADDED', object: obj });
    from = Number(list.metadata.resourceVersion);
  }
  let seen = from;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const close = (): void => {
    closed = true;
    if (timer) clearInterval(timer);
    handle.close();
  };
  const handle = cache.watch(
    from,
    (events) => {
      for (const ev of events) {
        if (closed) return;
        seen = Math.max(seen, ev.modRevision);
        const out = watchEventFor(ev, (o) => filter.matches(o));
        if (out) sink.send(out);
      }
    },
    (err) => {
      if (closed) return;
      close();
      sink.fail(err);
    },
  );
  if (opts.allowBookmarks) {
    timer = setInterval(() => {
      if (closed) return;
      // Every event up to the cache's revision has been delivered by now (deliveries are microtasks).
      seen = Math.max(seen, cache.revision());
      const object: KubeObject = { apiVersion: apiVersionOf(store.info), kind: store.info.kind, metadata: { resourceVersion: String(seen) } };
      sink.send({ type: 'BOOKMARK', object });
    }, bookmarkIntervalMs);
    timer.unref();
  }
  return { close };
}
