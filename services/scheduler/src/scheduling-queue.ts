// The scheduling queue, after kube-scheduler's PriorityQueue (internal/queue/scheduling_queue.go),
// built on the shared WorkQueue: an active queue (FIFO, each pod at most once, never two attempts of
// one pod at a time), pods backing off after a failed attempt, and unschedulable pods parked until
// something in the cluster changes that could make them fit (a node added or changed, a pod
// deleted) or until they have waited `maxInUnschedulableMs` (the periodic retry).

import { WorkQueue, type Clock } from '@skiff/machinery';
import type { PendingCounts } from './metrics.js';

export interface SchedulingQueueOptions {
  clock: Clock;
  /** Backoff after the first failed attempt; doubles per attempt (podInitialBackoffSeconds = 1). */
  initialBackoffMs?: number;
  /** podMaxBackoffSeconds = 10. */
  maxBackoffMs?: number;
  /** An unschedulable pod is retried at the latest after this long, even if nothing changed. */
  maxInUnschedulableMs?: number;
  /** How often parked pods are checked against maxInUnschedulableMs. */
  flushIntervalMs?: number;
}

/** What the queue remembers about a pod between attempts (framework.QueuedPodInfo). */
export interface QueuedPodInfo {
  /** When the pod first entered the queue (the start of scheduler_pod_scheduling_sli_duration_seconds). */
  readonly queuedAt: number;
  attempts: number;
  lastFailureAt?: number;
}

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly active: WorkQueue;
  private readonly backoff = new Set<string>();
  private readonly unschedulable = new Map<string, number>();
  private readonly infos = new Map<string, QueuedPodInfo>();
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly flushIntervalMs: number;
  private moveRequestCycle = 0;
  private flushTimer: unknown;
  private closed = false;

  constructor(opts: SchedulingQueueOptions) {
    this.clock = opts.clock;
    this.active = new WorkQueue({ clock: opts.clock, name: 'scheduler' });
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 30_000;
    this.flushIntervalMs = opts.flushIntervalMs ?? 10_000;
    this.scheduleFlush();
  }

  private info(key: string): QueuedPodInfo {
    let info = this.infos.get(key);
    if (!info) this.infos.set(key, (info = { queuedAt: this.clock.now(), attempts: 0 }));
    return info;
  }

  /** A new or changed pod that needs scheduling: to the active queue (out of the unschedulable set). */
  add(key: string): void {
    this.info(key);
    this.unschedulable.delete(key);
    this.active.add(key);
  }

  /** The next pod to schedule; undefined once shut down. Call done() after the attempt. */
  async pop(): Promise<{ key: string; info: QueuedPodInfo } | undefined> {
    const key = await this.active.get();
    if (key === undefined) return undefined;
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    return { key, info: this.info(key) };
  }

  done(key: string): void {
    this.active.done(key);
  }

  /** The move-request counter; an attempt records it when it starts (see addUnschedulable). */
  cycle(): number {
    return this.moveRequestCycle;
  }

  /**
   * Parks a pod the filters rejected. If the cluster changed while it was being scheduled (a move
   * request since `cycle`), the verdict may be stale: it backs off and retries instead.
   */
  addUnschedulable(key: string, cycle: number): void {
    if (this.closed) return;
    const info = this.info(key);
    info.lastFailureAt = this.clock.now();
    if (this.moveRequestCycle > cycle) this.toActiveOrBackoff(key);
    else this.unschedulable.set(key, this.clock.now());
  }

  /** Retries a pod after its backoff (an error, or a binding that failed). */
  addBackoff(key: string): void {
    if (this.closed) return;
    this.info(key).lastFailureAt = this.clock.now();
    this.toActiveOrBackoff(key);
  }

  /** Something changed that may let parked pods fit: every one goes back (after its backoff). */
  moveAllToActive(): void {
    this.moveRequestCycle++;
    for (const key of [...this.unschedulable.keys()]) {
      this.unschedulable.delete(key);
      this.toActiveOrBackoff(key);
    }
  }

  /** The pod no longer needs scheduling (bound, deleted, or not ours). */
  delete(key: string): void {
    this.unschedulable.delete(key);
    this.backoff.delete(key);
    this.infos.delete(key);
  }

  isUnschedulable(key: string): boolean {
    return this.unschedulable.has(key);
  }

  pending(): PendingCounts {
    return { active: this.active.len(), backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }

  shutDown(): void {
    this.closed = true;
    this.clock.clearTimeout(this.flushTimer);
    this.active.shutDown();
  }

  /** initial × 2^(attempts-1), capped (calculateBackoffDuration). */
  backoffMs(attempts: number): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  private toActiveOrBackoff(key: string): void {
    const info = this.info(key);
    const remaining = (info.lastFailureAt ?? 0) + this.backoffMs(Math.max(1, info.attempts)) - this.clock.now();
    if (remaining > 0) {
      this.backoff.add(key);
      this.active.addAfter(key, remaining);
    } else this.active.add(key);
  }

  private scheduleFlush(): void {
    this.flushTimer = this.clock.setTimeout(() => {
      if (this.closed) return;
      this.flushUnschedulableLeftover();
      this.scheduleFlush();
    }, this.flushIntervalMs);
  }

  /** Parked pods that waited maxInUnschedulableMs go back to the active queue. */
  flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    for (const [key, since] of [...this.unschedulable]) {
      if (now - since >= this.maxInUnschedulableMs) {
        this.unschedulable.delete(key);
        this.toActiveOrBackoff(key);
      }
    }
  }
}
