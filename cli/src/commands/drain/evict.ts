// How `drain` removes the pods it chose, after kubectl's drain.Helper: each pod is evicted through
// the pods/eviction subresource (all at once), an eviction a PodDisruptionBudget refuses (429
// TooManyRequests) is retried every 5 s until --timeout, and each evicted pod is waited for until
// it is gone (`pod/x evicted`). With --disable-eviction the pods are deleted instead.

import { ApiError, findResource, type Eviction, type Pod, type ResourceInfo } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
import { formatDuration } from '../../duration.js';
import { operationLine } from '../../printers/output.js';

const PODS = findResource('pods') as ResourceInfo;

export const EVICTION_RETRY_MS = 5_000;
export const DELETE_POLL_MS = 1_000;

export interface DrainClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: DrainClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export type DrainApi = Pick<ApiInterface, 'get' | 'create' | 'delete'>;

export interface RemoveOptions {
  /** <0: each pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds: number;
  /** 0: no limit. */
  timeoutMs: number;
  /** Server dry run: the apiserver checks, nothing changes, nothing is waited for. */
  serverDryRun: boolean;
  clock: DrainClock;
  out(text: string): void;
  err(text: string): void;
}

const refOf = (pod: Readonly<Pod>) => ({ name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '' });
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const isReason = (e: unknown, reason: string): boolean => e instanceof ApiError && e.reason === reason;

function deleteOptions(o: Readonly<RemoveOptions>): { gracePeriodSeconds?: number } {
  return o.gracePeriodSeconds >= 0 ? { gracePeriodSeconds: o.gracePeriodSeconds } : {};
}

/** The policy/v1 Eviction for a pod, as kubectl's EvictPod posts it. */
export function evictionFor(pod: Readonly<Pod>, gracePeriodSeconds: number): Eviction {
  const { name, namespace } = refOf(pod);
  return {
    apiVersion: 'policy/v1',
    kind: 'Eviction',
    metadata: { name, namespace },
    ...(gracePeriodSeconds >= 0 ? { deleteOptions: { gracePeriodSeconds } } : {}),
  };
}

/** Polls until the pod is gone (or replaced by one with another uid); `undefined` when it is, else why not. */
async function waitForDelete(api: DrainApi, pod: Readonly<Pod>, o: Readonly<RemoveOptions>, deadline: number, onTimeout: string): Promise<string | undefined> {
  const { name, namespace } = refOf(pod);
  for (;;) {
    try {
      const cur = await api.get<Pod>('pods', namespace, name);
      if (cur.metadata.uid !== pod.metadata.uid) return undefined;
    } catch (e) {
      if (isReason(e, 'NotFound')) return undefined;
      return message(e);
    }
    if (o.clock.now() >= deadline) return onTimeout;
    await o.clock.sleep(DELETE_POLL_MS);
  }
}

async function evictOne(api: DrainApi, pod: Pod, o: Readonly<RemoveOptions>, deadline: number): Promise<string | undefined> {
  const { name, namespace } = refOf(pod);
  const timeout = formatDuration(o.timeoutMs);
  let active = pod;
  let refresh = false;
  for (;;) {
    o.out(`evicting pod ${namespace}/${name}${o.serverDryRun ? ' (server dry run)' : ''}\n`);
    if (o.clock.now() >= deadline) return `error when evicting pods/"${name}" -n "${namespace}": global timeout reached: ${timeout}`;
    if (refresh) {
      // Errors are left for the eviction to report, with the pod as it was.
      active = await api.get<Pod>('pods', namespace, name).catch(() => active);
      refresh = false;
    }
    try {
      await api.create('pods', evictionFor(active, o.gracePeriodSeconds), { subresource: 'eviction', dryRun: o.serverDryRun });
      break;
    } catch (e) {
      if (isReason(e, 'NotFound')) return undefined;
      if (!isReason(e, 'TooManyRequests')) return `error when evicting pods/"${name}" -n "${namespace}": ${message(e)}`;
      o.err(`error when evicting pods/"${name}" -n "${namespace}" (will retry after 5s): ${message(e)}\n`);
      await o.clock.sleep(EVICTION_RETRY_MS);
      refresh = true;
    }
  }
  if (o.serverDryRun) return undefined;
  const why = await waitForDelete(api, pod, o, deadline, `global timeout reached: ${timeout}`);
  if (why !== undefined) return `error when waiting for pod "${name}" in namespace "${namespace}" to terminate: ${why}`;
  o.out(operationLine(PODS, name, 'evicted'));
  return undefined;
}

const deadlineOf = (o: Readonly<RemoveOptions>): number => (o.timeoutMs > 0 ? o.clock.now() + o.timeoutMs : Number.POSITIVE_INFINITY);

/** Evicts the pods concurrently; returns the errors (empty: every pod is gone). */
export async function evictPods(api: DrainApi, pods: readonly Pod[], o: Readonly<RemoveOptions>): Promise<string[]> {
  const deadline = deadlineOf(o);
  const results = await Promise.all(pods.map((pod) => evictOne(api, pod, o, deadline)));
  return results.filter((r): r is string => r !== undefined);
}

/** --disable-eviction: deletes the pods (no budget is consulted), then waits for all of them. */
export async function deletePods(api: DrainApi, pods: readonly Pod[], o: Readonly<RemoveOptions>): Promise<string[]> {
  // The delete call has no dry-run: a server dry run deletes nothing.
  if (o.serverDryRun) return [];
  for (const pod of pods) {
    const { name, namespace } = refOf(pod);
    try {
      await api.delete('pods', namespace, name, deleteOptions(o));
    } catch (e) {
      if (!isReason(e, 'NotFound')) return [message(e)];
    }
  }
  const deadline = deadlineOf(o);
  const errors: string[] = [];
  await Promise.all(
    pods.map(async (pod) => {
      const why = await waitForDelete(api, pod, o, deadline, 'timed out waiting for the condition');
      if (why === undefined) o.out(operationLine(PODS, refOf(pod).name, 'deleted'));
      else if (!errors.includes(why)) errors.push(why);
    }),
  );
  return errors;
}
