// The Events section every describe ends with, and how the events of one object are found: the
// events in the object's namespace (every namespace for cluster-scoped objects) whose
// involvedObject is that object, matched on the client so any apiserver field-selector support
// will do.

import type { ApiClient } from '@skiff/client';
import { age, type Event, type KubeObject } from '@skiff/api';
import { LEVEL_0, LEVEL_1, type PrefixWriter } from './prefix-writer.js';

export function isEventFor(e: Readonly<Event>, obj: Readonly<KubeObject>): boolean {
  const ref = e.involvedObject ?? {};
  const uid = obj.metadata.uid;
  if (ref.uid && uid && ref.uid === uid) return true;
  // Node events may carry the node's name as uid (kubelet), or no uid at all.
  if (ref.name !== obj.metadata.name || (ref.kind && ref.kind !== obj.kind)) return false;
  if ((ref.namespace ?? '') !== (obj.metadata.namespace ?? '')) return false;
  return !ref.uid || ref.uid === obj.metadata.name;
}

export async function findEvents(client: ApiClient, obj: Readonly<KubeObject>): Promise<Event[]> {
  const list = await client.list<Event>('events', { namespace: obj.metadata.namespace ?? '' });
  return list.items.filter((e) => isEventFor(e, obj));
}

function lastSeen(e: Readonly<Event>): number {
  const t = Date.parse(e.lastTimestamp ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** kubectl's DescribeEvents: sorted by last timestamp; `Age` shows `(xN over ...)` for repeats. */
export function writeEvents(w: PrefixWriter, events: readonly Event[], now: number): void {
  w.flush();
  if (events.length === 0) {
    w.write(LEVEL_0, 'Events:\t<none>\n');
    return;
  }
  const sorted = [...events].sort((a, b) => lastSeen(a) - lastSeen(b));
  w.write(LEVEL_0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(LEVEL_1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const first = age(e.firstTimestamp ?? e.metadata.creationTimestamp, now);
    const count = e.count ?? 1;
    const interval = count > 1 ? `${age(e.lastTimestamp, now)} (x${count} over ${first})` : first;
    const source = e.source?.component || e.reportingComponent || '';
    w.write(LEVEL_1, `${e.type ?? ''}\t${e.reason ?? ''}\t${interval}\t${source}\t${(e.message ?? '').trim()}\n`);
  }
}
