// When syncs run, after Kubernetes' pkg/util/async BoundedFrequencyRunner: `run()` asks for a sync;
// requests are coalesced and a sync starts no sooner than `minIntervalMs` after the previous one
// started (--min-sync-period), at once when the runner has been idle that long. A sync also runs
// `maxIntervalMs` after the previous one (--sync-period, the periodic full resync). A failed sync
// is retried with exponential backoff from the minimum interval up to the period. Only one sync
// runs at a time.

import type { Clock } from '@skiff/machinery';

export interface SyncRunnerOptions {
  /** Returns normally on success; throws to be retried. */
  fn: () => Promise<void>;
  minIntervalMs: number;
  maxIntervalMs: number;
  clock: Clock;
  onError?: (e: unknown, retryInMs: number) => void;
}

export class SyncRunner {
  private timer: unknown;
  private dueAt = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;
  private again = false;
  private lastStart = Number.NEGATIVE_INFINITY;
  private failures = 0;
  private stopped = false;
  private started = false;

  constructor(private readonly opts: SyncRunnerOptions) {}

  /** Starts the loop with a first sync now. */
  start(): void {
    this.started = true;
    this.schedule(this.opts.clock.now());
  }

  /** Asks for a sync as soon as the minimum interval allows. */
  run(): void {
    if (!this.started) return;
    this.schedule(this.lastStart + this.opts.minIntervalMs);
  }

  /** Stops scheduling and waits for a sync in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const when = Math.max(at, this.lastStart + this.opts.minIntervalMs);
    if (when >= this.dueAt) return;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    this.dueAt = when;
    this.timer = this.opts.clock.setTimeout(() => void this.fire(), Math.max(0, when - this.opts.clock.now()));
  }

  private async fire(): Promise<void> {
    this.timer = undefined;
    this.dueAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    const { clock } = this.opts;
    this.lastStart = clock.now();
    let ok = true;
    let done!: () => void;
    this.running = new Promise((resolve) => (done = resolve));
    try {
      await this.opts.fn();
      this.failures = 0;
    } catch (e) {
      ok = false;
      this.failures++;
      const retry = this.retryDelay();
      this.opts.onError?.(e, retry);
    } finally {
      this.running = undefined;
      done();
    }
    const again = this.again;
    this.again = false;
    this.schedule(ok ? this.lastStart + this.opts.maxIntervalMs : clock.now() + this.retryDelay());
    if (again) this.schedule(this.lastStart + this.opts.minIntervalMs);
  }

  private retryDelay(): number {
    const base = Math.max(this.opts.minIntervalMs, 100);
    return Math.min(this.opts.maxIntervalMs, base * 2 ** Math.max(0, this.failures - 1));
  }
}
