// Kubernetes' slowStartBatch (pkg/controller/replicaset/replica_set.go): call `fn` `count` times
// in batches of 1, 2, 4, ... concurrently within a batch; stop after the first batch with a
// failure. A create that fails (quota, a bad template) then fails once instead of N times, and
// does not flood the apiserver or the event stream.

export interface SlowStartResult {
  successes: number;
  /** The errors of the batch that failed (empty when every call succeeded). */
  errors: unknown[];
}

export const SLOW_START_INITIAL_BATCH_SIZE = 1;

export async function slowStartBatch(
  count: number,
  fn: () => Promise<void>,
  initialBatchSize = SLOW_START_INITIAL_BATCH_SIZE,
): Promise<SlowStartResult> {
  let remaining = count;
  let successes = 0;
  for (let batch = Math.min(remaining, initialBatchSize); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
    successes += batch - errors.length;
    if (errors.length > 0) return { successes, errors };
    remaining -= batch;
  }
  return { successes, errors: [] };
}
