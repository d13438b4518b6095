// Allocation of values from a range (ClusterIPs, NodePorts) as one storage key per value, created
// only if absent: `<prefix><value>` holds who took it. etcd's create-if-absent makes a value go to
// exactly one caller however many apiservers and concurrent creates race for it, and the keys
// outlive the apiserver. This follows Kubernetes' IPAddress-object allocator
// (pkg/registry/core/service/ipallocator/ipallocator.go, KEP-1880: one object per allocated IP,
// created or refused by the storage) rather than the older bitmap in one etcd key.
//
// Dynamic picks follow KEP-3070 / KEP-3668 (pkg/registry/core/service/allocator/bitmap.go,
// NewAllocationMapWithOffset): a random free value from the upper part of the range first, so the
// lower `staticBand` values stay free for callers that ask for a fixed one (the cluster DNS takes
// the service range's 10th address), and the lower band only once the upper one is full.

import { nowRFC3339 } from '@skiff/api';
import { StorageConflict, StorageKeyExists, StorageKeyNotFound, type Storage } from '../../storage/storage.js';

/** The object holding a value. */
export interface AllocationOwner {
  /** Plural resource, e.g. `services`. */
  resource: string;
  namespace: string;
  name: string;
  uid: string;
}

/** What a key holds (JSON). */
export interface AllocationRecord {
  owner: AllocationOwner;
  /** When it was taken (RFC 3339), so a repair can leave young ones alone. */
  allocatedAt: string;
}

export interface RangeAllocatorOptions {
  /** Key prefix ending in '/', e.g. `/registry/servicenodeportallocations/`. */
  prefix: string;
  /** First and last allocatable value (inclusive). */
  first: number;
  last: number;
  /** How many of the first values are handed out dynamically only once the rest are taken. */
  staticBand: number;
  /** The key suffix of a value (an IP's text, a port's digits) and back. */
  format(value: number): string;
  parse(suffix: string): number | undefined;
  /** [0, 1), injectable for tests. */
  random?: () => number;
  now?: () => Date;
}

/** min(max(lo, size / step), hi), or 0 for ranges of at most `lo` values (calculateRangeOffset). */
export function staticBandSize(size: number, lo: number, hi: number, step: number): number {
  if (size <= lo) return 0;
  return Math.min(Math.max(lo, Math.floor(size / step)), hi);
}

export class RangeAllocator {
  private readonly random: () => number;
  private readonly now: () => Date;

  constructor(
    private readonly storage: Storage,
    private readonly opts: RangeAllocatorOptions,
  ) {
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? (() => new Date());
  }

  contains(value: number): boolean {
    return Number.isInteger(value) && value >= this.opts.first && value <= this.opts.last;
  }

  key(value: number): string {
    return `${this.opts.prefix}${this.opts.format(value)}`;
  }

  /**
   * Takes `value` for `owner`: false when someone holds it already. With dryRun only checks.
   * The value must be in the range.
   */
  async allocate(value: number, owner: AllocationOwner, dryRun: boolean): Promise<boolean> {
    if (dryRun) return (await this.storage.get(this.key(value))) === undefined;
    const record: AllocationRecord = { owner, allocatedAt: nowRFC3339(this.now()) };
    try {
      await this.storage.create(this.key(value), JSON.stringify(record));
      return true;
    } catch (e) {
      if (e instanceof StorageKeyExists) return false;
      throw e;
    }
  }

  /** Takes a free value for `owner` (with dryRun: names one without taking it); undefined when the range is full. */
  async allocateNext(owner: AllocationOwner, dryRun: boolean): Promise<number | undefined> {
    const used = await this.used();
    for (;;) {
      const value = this.pickFree(used);
      if (value === undefined) return undefined;
      if (await this.allocate(value, owner, dryRun)) return value;
      used.add(value); // another writer took it since the list
    }
  }

  /** Gives `value` back if `owner` holds it (a value re-taken by someone else stays theirs). */
  async release(value: number, owner: AllocationOwner): Promise<void> {
    const key = this.key(value);
    const stored = await this.storage.get(key);
    if (!stored || parseRecord(stored.value)?.owner.uid !== owner.uid) return;
    try {
      await this.storage.delete(key, stored.modRevision);
    } catch (e) {
      if (!(e instanceof StorageKeyNotFound || e instanceof StorageConflict)) throw e;
    }
  }

  /** Every allocated value with its record and revision. */
  async entries(): Promise<{ value: number; record: AllocationRecord | undefined; modRevision: number }[]> {
    const { items } = await this.storage.list(this.opts.prefix);
    const out: { value: number; record: AllocationRecord | undefined; modRevision: number }[] = [];
    for (const item of items) {
      const value = this.opts.parse(item.key.slice(this.opts.prefix.length));
      if (value !== undefined) out.push({ value, record: parseRecord(item.value), modRevision: item.modRevision });
    }
    return out;
  }

  /** Deletes `value`'s key if it is still at `modRevision` (a repair of a leaked value). */
  async forget(value: number, modRevision: number): Promise<void> {
    try {
      await this.storage.delete(this.key(value), modRevision);
    } catch (e) {
      if (!(e instanceof StorageKeyNotFound || e instanceof StorageConflict)) throw e;
    }
  }

  private async used(): Promise<Set<number>> {
    return new Set((await this.entries()).map((e) => e.value).filter((v) => this.contains(v)));
  }

  /** A random free value, from the dynamic band first, then from the static band. */
  private pickFree(used: ReadonlySet<number>): number | undefined {
    const { first, last, staticBand } = this.opts;
    const split = Math.min(first + staticBand, last + 1);
    return this.pickIn(split, last, used) ?? this.pickIn(first, split - 1, used);
  }

  /** A free value in [lo, hi]: from a random start, the next free one (wrapping), as the bitmap's random scan. */
  private pickIn(lo: number, hi: number, used: ReadonlySet<number>): number | undefined {
    const size = hi - lo + 1;
    if (size <= 0) return undefined;
    let taken = 0;
    for (const v of used) if (v >= lo && v <= hi) taken++;
    if (taken >= size) return undefined;
    const start = Math.floor(this.random() * size);
    for (let i = 0; i < size; i++) {
      const value = lo + ((start + i) % size);
      if (!used.has(value)) return value;
    }
    return undefined;
  }
}

function parseRecord(text: string): AllocationRecord | undefined {
  try {
    const parsed = JSON.parse(text) as Partial<AllocationRecord>;
    return parsed.owner && typeof parsed.owner.uid === 'string' ? (parsed as AllocationRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Why a value could not be taken; `message` is Kubernetes' (ipallocator / portallocator errors). */
export class AllocationError extends Error {
  constructor(
    readonly reason: 'not-in-range' | 'allocated' | 'full',
    message: string,
  ) {
    super(message);
  }
}

/** How a kind of value (an IP's text, a port number) maps onto a RangeAllocator's numbers. */
export interface ValueCodec<V> {
  toNumber(value: V): number | undefined;
  fromNumber(n: number): V;
  /** ErrNotInRange's message for `value`. */
  notInRange(value: V): string;
  /** ErrAllocated's message. */
  readonly allocated: string;
}

/** A RangeAllocator over typed values, throwing AllocationError with Kubernetes' messages. */
export class ValueAllocator<V> {
  constructor(
    readonly range: RangeAllocator,
    private readonly codec: ValueCodec<V>,
  ) {}

  /** The range's number for `value`, when it is in the range. */
  numberOf(value: V): number | undefined {
    const n = this.codec.toNumber(value);
    return n !== undefined && this.range.contains(n) ? n : undefined;
  }

  contains(value: V): boolean {
    return this.numberOf(value) !== undefined;
  }

  /** Takes `value`; AllocationError `not-in-range` or `allocated` when it cannot. */
  async allocate(value: V, owner: AllocationOwner, dryRun: boolean): Promise<void> {
    const n = this.codec.toNumber(value);
    if (n === undefined || !this.range.contains(n)) throw new AllocationError('not-in-range', this.codec.notInRange(value));
    if (!(await this.range.allocate(n, owner, dryRun))) throw new AllocationError('allocated', this.codec.allocated);
  }

  /** Takes any free value; AllocationError `full` when none is left. */
  async allocateNext(owner: AllocationOwner, dryRun: boolean): Promise<V> {
    const n = await this.range.allocateNext(owner, dryRun);
    if (n === undefined) throw new AllocationError('full', 'range is full');
    return this.codec.fromNumber(n);
  }

  /** Gives `value` back if `owner` holds it. */
  async release(value: V, owner: AllocationOwner): Promise<void> {
    const n = this.numberOf(value);
    if (n !== undefined) await this.range.release(n, owner);
  }
}
