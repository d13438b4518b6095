// Small reads the suites share: an object or undefined when it does not exist, a pod's row in
// `skiff get pods` (what a user sees first), and a pod once it runs.

import { ApiError, type KubeObject, type Pod } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
import { podRunning, type Cluster } from './harness.js';
import { showRun } from './run-cli.js';
import { rowNamed, type Row } from './table.js';
import { waitFor } from './wait-for.js';

/** The object, or undefined when the apiserver says NotFound; other errors are thrown. */
export async function getOrUndefined<T extends KubeObject>(client: Pick<ApiInterface, 'get'>, resource: string, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await client.get<T>(resource, namespace, name);
  } catch (e) {
    if (e instanceof ApiError && e.reason === 'NotFound') return undefined;
    throw e;
  }
}

/** The pod's row of `skiff get pods [-n NS]` (NAME, READY, STATUS, RESTARTS, AGE); throws when the command fails. */
export async function podRow(cluster: Cluster, name: string, namespace?: string): Promise<Row | undefined> {
  const r = await cluster.skiff('get', 'pods', ...(namespace ? ['-n', namespace] : []));
  if (r.code !== 0) throw new Error(showRun(r));
  return rowNamed(r.stdout, name);
}

/** Waits for the pod to be Running with every container running; returns it. */
export async function runningPod(cluster: Cluster, name: string, opts: { namespace?: string; timeoutMs?: number } = {}): Promise<Pod> {
  return waitFor(
    async () => {
      const p = await cluster.client.get<Pod>('pods', opts.namespace ?? 'default', name);
      if (!podRunning(p)) throw new Error(`${name}: ${p.status?.phase ?? 'Pending'} ${JSON.stringify(p.status?.containerStatuses?.map((s) => s.state) ?? [])}`);
      return p;
    },
    { timeoutMs: opts.timeoutMs ?? 60_000, what: `pod ${name} Running` },
  );
}
