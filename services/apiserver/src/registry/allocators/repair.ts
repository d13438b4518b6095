// Keeps the allocation keys and the Services in agreement, after Kubernetes' repair loops
// (pkg/registry/core/service/ipallocator/controller/repairip.go, portallocator/controller/repair.go):
// a key no Service holds (an apiserver died between taking a value and storing its Service) is
// deleted once it is older than a grace period, so in-flight writes keep theirs; a value a Service
// holds without a key gets its key back. Keys are read before Services, so a key taken after the
// Services were read is never seen as a leak.

import type { Service } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { Storage } from '../../storage/storage.js';
import type { AllocationOwner, RangeAllocator } from './range-allocator.js';
import { heldClusterIP, heldNodePorts, ownerOf, type ServiceAllocator } from './service-allocator.js';

/** Kubernetes' repair loops run every 3 minutes. */
export const REPAIR_INTERVAL_MS = 180_000;
/** How old a key no Service holds must be before it is taken back. */
export const REPAIR_GRACE_MS = 60_000;

export interface RepairResult {
  /** Keys deleted because no Service holds their value. */
  released: string[];
  /** Keys created for values Services hold. */
  restored: string[];
}

type Entries = Awaited<ReturnType<RangeAllocator['entries']>>;

export async function repairServiceAllocations(storage: Storage, allocator: ServiceAllocator, log: Logger, now = new Date(), graceMs = REPAIR_GRACE_MS): Promise<RepairResult> {
  const ipEntries = await allocator.ips.range.entries();
  const portEntries = await allocator.nodePorts.range.entries();
  const services = (await storage.list('/registry/services/')).items.map((item) => JSON.parse(item.value) as Service);
  const ips = new Map<number, AllocationOwner>();
  const ports = new Map<number, AllocationOwner>();
  for (const svc of services) {
    const ip = heldClusterIP(svc);
    const n = ip === undefined ? undefined : allocator.ips.numberOf(ip);
    if (n !== undefined) ips.set(n, ownerOf(svc));
    for (const port of heldNodePorts(svc)) if (allocator.nodePorts.contains(port)) ports.set(port, ownerOf(svc));
  }
  const result: RepairResult = { released: [], restored: [] };
  // A Service deleted since the list must not get a key back: check it again after restoring one.
  const stillHolds = async (owner: AllocationOwner, holds: (svc: Service) => boolean): Promise<boolean> => {
    const stored = await storage.get(`/registry/services/${owner.namespace}/${owner.name}`);
    const svc = stored && (JSON.parse(stored.value) as Service);
    return !!svc && svc.metadata.uid === owner.uid && holds(svc);
  };
  const takenBefore = now.getTime() - graceMs;
  await repairRange(allocator.ips.range, ipEntries, ips, result, log, takenBefore, (v, owner) =>
    stillHolds(owner, (svc) => allocator.ips.numberOf(heldClusterIP(svc) ?? '') === v),
  );
  await repairRange(allocator.nodePorts.range, portEntries, ports, result, log, takenBefore, (v, owner) => stillHolds(owner, (svc) => heldNodePorts(svc).has(v)));
  if (result.released.length + result.restored.length > 0) log.info(result, 'repaired service allocations');
  return result;
}

async function repairRange(
  range: RangeAllocator,
  entries: Entries,
  held: ReadonlyMap<number, AllocationOwner>,
  result: RepairResult,
  log: Logger,
  takenBefore: number,
  stillHeld: (value: number, owner: AllocationOwner) => Promise<boolean>,
): Promise<void> {
  for (const entry of entries) {
    const holder = held.get(entry.value);
    if (holder && holder.uid === entry.record?.owner.uid) continue;
    if (holder) {
      log.warn({ key: range.key(entry.value), holder: `${holder.namespace}/${holder.name}` }, 'an allocation key names another owner than the Service holding its value');
      continue;
    }
    // A young key may belong to a write in flight; an unreadable one is left for a person to look at.
    if (!(Date.parse(entry.record?.allocatedAt ?? '') < takenBefore)) continue;
    await range.forget(entry.value, entry.modRevision);
    result.released.push(range.key(entry.value));
  }
  const keyed = new Set(entries.map((e) => e.value));
  for (const [value, owner] of held) {
    if (keyed.has(value) || !(await range.allocate(value, owner, false))) continue;
    if (await stillHeld(value, owner)) result.restored.push(range.key(value));
    else await range.release(value, owner);
  }
}
