// Which pods `drain` removes from a node, after kubectl's drain filters (pkg/drain/filters.go), in
// their order: pods deleted long ago (--skip-wait-for-delete-timeout) are skipped, DaemonSet pods
// need --ignore-daemonsets (and stay), mirror pods stay, pods with emptyDir data need
// --delete-emptydir-data, pods no controller owns need --force. Finished pods always go.

import { controllerOf, type Pod } from '@skiff/api';

export const DAEMONSET_FATAL = 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)';
export const DAEMONSET_WARNING = 'ignoring DaemonSet-managed Pods';
export const LOCAL_STORAGE_FATAL = 'Pods with local storage (use --delete-emptydir-data to override)';
export const LOCAL_STORAGE_WARNING = 'deleting Pods with local storage';
export const UNMANAGED_FATAL = 'cannot delete Pods that declare no controller (use --force to override)';
export const UNMANAGED_WARNING = 'deleting Pods that declare no controller';

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export interface DrainFilterOptions {
  force: boolean;
  ignoreDaemonSets: boolean;
  deleteEmptyDirData: boolean;
  /** >0: pods whose deletion started longer ago than this are left alone. */
  skipWaitForDeleteTimeoutSeconds: number;
  /** ms since the epoch. */
  now: number;
}

export type PodDeleteReason = 'Okay' | 'Skip' | 'Warning' | 'Error';

export interface PodDelete {
  pod: Pod;
  delete: boolean;
  reason: PodDeleteReason;
  message: string;
}

type Verdict = Omit<PodDelete, 'pod'>;

const okay: Verdict = { delete: true, reason: 'Okay', message: '' };
const skip: Verdict = { delete: false, reason: 'Skip', message: '' };
const warning = (del: boolean, message: string): Verdict => ({ delete: del, reason: 'Warning', message });
const error = (message: string): Verdict => ({ delete: false, reason: 'Error', message });

const finished = (pod: Readonly<Pod>): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** shouldSkipPod: deletion started more than N seconds ago (N > 0). */
export function deletedLongAgo(pod: Readonly<Pod>, seconds: number, now: number): boolean {
  const ts = pod.metadata.deletionTimestamp;
  if (seconds <= 0 || !ts) return false;
  return Math.floor((now - Date.parse(ts)) / 1000) > seconds;
}

type Filter = (pod: Readonly<Pod>, o: Readonly<DrainFilterOptions>) => Verdict;

const skipDeleted: Filter = (pod, o) => (deletedLongAgo(pod, o.skipWaitForDeleteTimeoutSeconds, o.now) ? skip : okay);

// Skiff has no DaemonSet kind: a pod that names one as its controller is treated as managed by it.
const daemonSet: Filter = (pod, o) => {
  if (controllerOf(pod)?.kind !== 'DaemonSet' || finished(pod)) return okay;
  return o.ignoreDaemonSets ? warning(false, DAEMONSET_WARNING) : error(DAEMONSET_FATAL);
};

const mirrorPod: Filter = (pod) => (pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined ? skip : okay);

const localStorage: Filter = (pod, o) => {
  if (!(pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined) || finished(pod)) return okay;
  return o.deleteEmptyDirData ? warning(true, LOCAL_STORAGE_WARNING) : error(LOCAL_STORAGE_FATAL);
};

const unreplicated: Filter = (pod, o) => {
  if (finished(pod) || controllerOf(pod)) return okay;
  return o.force ? warning(true, UNMANAGED_WARNING) : error(UNMANAGED_FATAL);
};

const FILTERS: readonly Filter[] = [skipDeleted, daemonSet, mirrorPod, localStorage, unreplicated];

/** Runs each pod through the filters; the first that keeps it decides, else the last one's verdict stands. */
export function classifyPods(pods: readonly Pod[], o: Readonly<DrainFilterOptions>): PodDelete[] {
  return pods.map((pod) => {
    let verdict = okay;
    for (const filter of FILTERS) {
      verdict = filter(pod, o);
      if (!verdict.delete) break;
    }
    return { pod, ...verdict };
  });
}

export function podsToDelete(list: readonly PodDelete[]): Pod[] {
  return list.filter((d) => d.delete).map((d) => d.pod);
}

const podRef = (pod: Readonly<Pod>): string => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

function groupByMessage(list: readonly PodDelete[], reason: PodDeleteReason): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const d of list) {
    if (d.reason !== reason) continue;
    const msg = d.message || (reason === 'Error' ? 'unexpected error' : '');
    groups.set(msg, [...(groups.get(msg) ?? []), podRef(d.pod)]);
  }
  return groups;
}

/** `msg: ns/a, ns/b; msg2: ns/c`: what drain prints after `Warning: `; '' when none. */
export function drainWarnings(list: readonly PodDelete[]): string {
  return [...groupByMessage(list, 'Warning')].map(([msg, pods]) => `${msg}: ${pods.join(', ')}`).join('; ');
}

/** One message per kind of refusal, naming its pods: `cannot delete Pods that declare no controller (...): ns/a`. */
export function drainErrors(list: readonly PodDelete[]): string[] {
  return [...groupByMessage(list, 'Error')].map(([msg, pods]) =>
    msg.toLowerCase().startsWith('cannot delete') ? `${msg}: ${pods.join(', ')}` : `cannot delete ${msg}: ${pods.join(', ')}`,
  );
}
