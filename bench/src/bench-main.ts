// The frame of a benchmark program: its own local cluster (startCluster), torn down when the body
// ends, fails, or the process gets SIGINT/SIGTERM; progress lines to stderr; exit code 0 or 1.

import os from 'node:os';
import { startCluster, type Cluster, type StartOptions } from '@skiff/e2e/harness';

export const say = (s: string): void => void process.stderr.write(`bench: ${s}\n`);

/** One line about the machine the figures come from. */
export function machineLine(): string {
  return `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

export function runBenchmark(opts: StartOptions, body: (cluster: Cluster) => Promise<void>): void {
  const main = async (): Promise<void> => {
    const cluster = await startCluster({ log: (l) => say(l), ...opts });
    let interrupted = false;
    const onSignal = (): void => {
      if (interrupted) return;
      interrupted = true;
      say('interrupted: cleaning up');
      void cluster.down().finally(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await body(cluster);
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      if (!interrupted) {
        const report = await cluster.down();
        if (report.down?.code !== 0) say(`skiff down failed: ${report.down?.stderr ?? 'did not run'}`);
        const left = [...report.leftoverProcesses, ...report.leftoverContainers, ...report.leftoverNetworks];
        if (left.length > 0) say(`removed leftovers after skiff down: ${left.join('; ')}`);
      }
    }
  };
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}

/**
 * The frame of a benchmark without a cluster: runs `body`, then `teardown` (also on SIGINT/SIGTERM,
 * exiting 130); exit code 0, or 1 with the error on stderr.
 */
export function runStandalone(body: () => Promise<void>, teardown: () => Promise<void>): void {
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    say('interrupted: cleaning up');
    void teardown().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const main = async (): Promise<void> => {
    try {
      await body();
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      if (!interrupted) await teardown();
    }
  };
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
