// One real cluster for a test file: `before` starts it (startCluster), `after` saves its logs when a
// step failed and tears it down (`skiff down --purge` + leftover check), and Ctrl-C or the runner's
// SIGTERM still tears it down. Steps run in order on the shared cluster.

import { after, before, test, type TestContext } from 'node:test';
import { startCluster, type Cluster, type StartOptions } from './harness.js';

export interface ClusterSuite {
  /** The suite's cluster; throws when `before` could not start it. */
  cluster(): Cluster;
  /** A test that counts its failure, so the cluster's logs are kept for diagnosis. */
  step(name: string, timeoutMs: number, fn: (t: TestContext) => Promise<void>): void;
  /** How many steps have failed so far. */
  failed(): number;
}

export function clusterSuite(opts: StartOptions & { startTimeoutMs?: number; teardownTimeoutMs?: number } = {}): ClusterSuite {
  let cluster: Cluster | undefined;
  let failed = 0;
  const tag = opts.prefix ?? 'e2e';

  before(
    async () => {
      cluster = await startCluster(opts);
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        process.once(sig, () => {
          process.stderr.write(`${tag}: ${sig}: tearing down ${cluster?.name ?? ''}\n`);
          void (cluster?.down() ?? Promise.resolve()).finally(() => process.exit(130));
        });
      }
    },
    { timeout: opts.startTimeoutMs ?? 240_000 },
  );

  after(
    async () => {
      if (!cluster) return;
      if (failed > 0) process.stderr.write(`${tag}: ${failed} test(s) failed; cluster logs kept in ${cluster.saveLogs()}\n`);
      const report = await cluster.down();
      if (report.leftoverContainers.length + report.leftoverProcesses.length + report.leftoverNetworks.length > 0) {
        process.stderr.write(`${tag}: teardown removed leftovers: ${JSON.stringify(report)}\n`);
      }
    },
    { timeout: opts.teardownTimeoutMs ?? 240_000 },
  );

  return {
    cluster: () => {
      if (!cluster) throw new Error('the cluster did not start (see the before hook)');
      return cluster;
    },
    failed: () => failed,
    step: (name, timeoutMs, fn) => {
      test(name, { timeout: timeoutMs }, async (t) => {
        try {
          await fn(t);
        } catch (e) {
          failed++;
          throw e;
        }
      });
    },
  };
}
