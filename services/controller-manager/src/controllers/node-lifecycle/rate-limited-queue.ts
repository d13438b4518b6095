// The per-zone queue of nodes waiting for a NoExecute taint, after nodelifecycle/scheduler's
// RateLimitedTimedQueue: a unique FIFO drained through a token bucket (burst 1), so that a zone
// losing many nodes at once has its pods evicted at `--node-eviction-rate` nodes per second.

import type { Clock } from '@skiff/machinery';

/** client-go's token bucket: `qps` tokens a second up to `burst`; qps 0 never accepts. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private qps: number,
    private readonly clock: Clock,
    private readonly burst = 1,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    if (this.qps > 0) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  tryAccept(): boolean {
    if (this.qps <= 0) return false;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until a token is there (Infinity when qps is 0). */
  msUntilToken(): number {
    if (this.qps <= 0) return Infinity;
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.qps) * 1000);
  }

  rate(): number {
    return this.qps;
  }

  /** SwapLimiter: a new rate, keeping what was spent. */
  setRate(qps: number): void {
    if (qps === this.qps) return;
    this.refill();
    this.qps = qps;
  }
}

export class RateLimitedQueue {
  /** Node name → uid, in the order they were added. */
  private readonly items = new Map<string, string>();
  readonly limiter: TokenBucket;

  constructor(qps: number, clock: Clock) {
    this.limiter = new TokenBucket(qps, clock);
  }

  /** Adds the node unless it is already waiting; true if it was added. */
  add(name: string, uid: string): boolean {
    if (this.items.has(name)) return false;
    this.items.set(name, uid);
    return true;
  }

  remove(name: string): boolean {
    return this.items.delete(name);
  }

  has(name: string): boolean {
    return this.items.has(name);
  }

  names(): string[] {
    return [...this.items.keys()];
  }
}
