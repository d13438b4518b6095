// The worker loop every controller runs (controller-runtime's reconcile contract): take a key,
// reconcile it, then: error → retry with per-key backoff; requeueAfterMs → timed retry;
// success → forget the key's failures.

import type { Logger } from '@skiff/component';
import type { WorkQueue } from './work-queue.js';

export type ReconcileResult = { requeueAfterMs?: number } | void;

export interface RunWorkersOptions {
  queue: WorkQueue;
  workers: number;
  signal: AbortSignal;
  log: Logger;
  reconcile: (key: string) => Promise<ReconcileResult>;
}

/** Runs `workers` loops until the signal aborts (which shuts the queue down). */
export async function runWorkers(opts: RunWorkersOptions): Promise<void> {
  const { queue, signal, log } = opts;
  signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  if (signal.aborted) queue.shutDown();
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        const result = await opts.reconcile(key);
        queue.forget(key);
        if (result && result.requeueAfterMs !== undefined) queue.addAfter(key, result.requeueAfterMs);
      } catch (e) {
        log.warn({ key, err: e instanceof Error ? e.message : String(e), retries: queue.numRequeues(key) }, 'reconcile failed, retrying');
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.workers) }, () => worker()));
}
