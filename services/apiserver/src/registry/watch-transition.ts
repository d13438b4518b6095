// Turns one storage event into the watch event a filtered watcher sees, with Kubernetes' transition
// semantics (staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go): an object that
// starts matching is ADDED, one that stops matching is DELETED (carrying its last matching state
// at the event's revision), a deleted object is DELETED with its last state.

import type { KubeObject, WatchEvent } from '@skiff/api';
import type { StorageEvent } from '../storage/storage.js';
import { decodeObject } from './codec.js';

export function watchEventFor(ev: StorageEvent, matches: (obj: KubeObject) => boolean): WatchEvent | undefined {
  const cur = ev.type === 'put' && ev.value !== undefined ? decodeObject(ev.value, ev.modRevision) : undefined;
  // The previous state is reported at the event's revision, as Kubernetes does.
  const prev = ev.prevValue !== undefined ? decodeObject(ev.prevValue, ev.modRevision) : undefined;
  const curMatches = cur !== undefined && matches(cur);
  const prevMatches = prev !== undefined && matches(prev);
  if (curMatches && cur) return { type: prevMatches ? 'MODIFIED' : 'ADDED', object: cur };
  if (prevMatches && prev) return { type: 'DELETED', object: prev };
  return undefined;
}
