// Polls a condition until it holds or a deadline passes: for tests that wait on informers and
// workers (in-memory ones converge within a few event-loop turns; real ones within seconds).

import { setTimeout as delay } from 'node:timers/promises';

export async function eventually<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 5_000, pollMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out waiting for ${what}${why}`);
    }
    await delay(pollMs);
  }
}

/** Lets queued promise callbacks and timers of 0 ms run. */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await delay(0);
}
