// Per-container restart back-off (client-go's flowcontrol.Backoff, as the kubelet uses it): the
// first restart of a container is immediate; each later restart waits 10 s, 20 s, 40 s ... capped
// at 300 s, counted from when the container last finished. A container that stays up for twice the
// cap (10 minutes) starts again from 10 s.

import type { Clock } from '@skiff/machinery';

export const DEFAULT_INITIAL_BACKOFF_MS = 10_000;
export const DEFAULT_MAX_BACKOFF_MS = 300_000;

interface Entry {
  backoffMs: number;
  lastUpdate: number;
}

export interface BackOffState {
  /** The current window, as in the CrashLoopBackOff message ("back-off 20s ..."). */
  durationMs: number;
  /** Time left before a restart may happen. */
  remainingMs: number;
}

export class Backoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly initialMs = DEFAULT_INITIAL_BACKOFF_MS,
    private readonly maxMs = DEFAULT_MAX_BACKOFF_MS,
  ) {}

  /** The container (finished at `eventTime`) may not restart yet: how long and how much is left. */
  inBackOffSince(id: string, eventTime: number): BackOffState | undefined {
    const e = this.entries.get(id);
    if (!e || this.hasExpired(eventTime, e.lastUpdate)) return undefined;
    const elapsed = this.clock.now() - eventTime;
    return elapsed < e.backoffMs ? { durationMs: e.backoffMs, remainingMs: e.backoffMs - elapsed } : undefined;
  }

  /** Records a restart of a container that finished at `eventTime`: the next window doubles. */
  next(id: string, eventTime: number): void {
    const e = this.entries.get(id);
    if (!e || this.hasExpired(eventTime, e.lastUpdate)) {
      this.entries.set(id, { backoffMs: this.initialMs, lastUpdate: this.clock.now() });
    } else {
      e.backoffMs = Math.min(e.backoffMs * 2, this.maxMs);
      e.lastUpdate = this.clock.now();
    }
  }

  get(id: string): number {
    return this.entries.get(id)?.backoffMs ?? 0;
  }

  /** Forgets every entry whose id starts with `prefix` (a pod's uid). */
  forgetPrefix(prefix: string): void {
    for (const id of this.entries.keys()) if (id.startsWith(prefix)) this.entries.delete(id);
  }

  /** Drops entries not updated for twice the cap. */
  gc(): void {
    const now = this.clock.now();
    for (const [id, e] of this.entries) if (now - e.lastUpdate > this.maxMs * 2) this.entries.delete(id);
  }

  size(): number {
    return this.entries.size;
  }

  private hasExpired(eventTime: number, lastUpdate: number): boolean {
    return eventTime - lastUpdate > this.maxMs * 2;
  }
}

/** Go's time.Duration.String() for whole seconds: "10s", "1m20s", "5m0s". */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}
