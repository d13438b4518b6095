// What the runtime holds for one pod, read back from Docker through the labels: the kubelet's
// "PodStatus" (kubecontainer.PodStatus). Pure conversions, so the decision and status code can be
// tested on plain objects.

import type { ContainerDetails } from '../runtime/runtime.js';
import {
  INFRA_CONTAINER_NAME,
  LABEL_ATTEMPT,
  LABEL_CONTAINER_NAME,
  LABEL_GRACE_PERIOD,
  LABEL_IMAGE,
  LABEL_POD_UID,
  LABEL_RESTART_COUNT,
  LABEL_ROLE,
} from './labels.js';

/** Kubernetes' container states (kubecontainer.State). */
export type ObservedState = 'created' | 'running' | 'exited' | 'unknown';

export interface ObservedContainer {
  id: string;
  /** The pod's container name, or `POD` for the infra container. */
  name: string;
  role: 'infra' | 'app';
  podUid: string;
  /** Restart count (app) or sandbox attempt (infra). */
  attempt: number;
  state: ObservedState;
  exitCode: number;
  oomKilled: boolean;
  /** The engine's error when the process could not be started. */
  error?: string;
  createdAt: number;
  startedAt?: string;
  finishedAt?: string;
  /** The image as the pod spec named it. */
  image: string;
  imageID: string;
  ipAddress?: string;
  gracePeriodSeconds?: number;
}

export interface ObservedPod {
  uid: string;
  /** Infra containers, newest attempt first. */
  infra: ObservedContainer[];
  /** App containers by name, newest first. */
  containers: Map<string, ObservedContainer[]>;
}

function intLabel(labels: Record<string, string>, key: string): number {
  const n = Number(labels[key] ?? '0');
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

export function toObserved(d: Readonly<ContainerDetails>): ObservedContainer {
  const role = d.labels[LABEL_ROLE] === 'infra' ? 'infra' : 'app';
  let state: ObservedState;
  switch (d.state) {
    case 'running':
    case 'paused':
    case 'restarting':
      state = 'running';
      break;
    case 'exited':
    case 'dead':
    case 'removing':
      state = 'exited';
      break;
    case 'created':
      // A container left in "created" with an error failed to start: it ran and failed, as far as
      // restart policy is concerned.
      state = d.error || d.exitCode !== 0 ? 'exited' : 'created';
      break;
    default:
      state = 'unknown';
  }
  const grace = d.labels[LABEL_GRACE_PERIOD];
  const o: ObservedContainer = {
    id: d.id,
    name: d.labels[LABEL_CONTAINER_NAME] ?? (role === 'infra' ? INFRA_CONTAINER_NAME : d.name),
    role,
    podUid: d.labels[LABEL_POD_UID] ?? '',
    attempt: intLabel(d.labels, role === 'infra' ? LABEL_ATTEMPT : LABEL_RESTART_COUNT),
    state,
    exitCode: d.exitCode,
    oomKilled: d.oomKilled,
    createdAt: d.createdAt,
    image: d.labels[LABEL_IMAGE] ?? d.image,
    imageID: d.imageID,
  };
  if (d.error) o.error = d.error;
  if (d.startedAt !== undefined) o.startedAt = d.startedAt;
  if (d.finishedAt !== undefined) o.finishedAt = d.finishedAt;
  else if (state === 'exited') o.finishedAt = d.startedAt ?? new Date(d.createdAt).toISOString();
  if (d.ipAddress !== undefined) o.ipAddress = d.ipAddress;
  if (grace !== undefined && Number.isFinite(Number(grace))) o.gracePeriodSeconds = Number(grace);
  return o;
}

const newestFirst = (a: ObservedContainer, b: ObservedContainer): number => b.attempt - a.attempt || b.createdAt - a.createdAt;

/** Groups the containers of one pod uid. */
export function groupObserved(uid: string, containers: readonly ObservedContainer[]): ObservedPod {
  const pod: ObservedPod = { uid, infra: [], containers: new Map() };
  for (const c of containers) {
    if (c.podUid !== uid) continue;
    if (c.role === 'infra') pod.infra.push(c);
    else {
      const list = pod.containers.get(c.name) ?? [];
      list.push(c);
      pod.containers.set(c.name, list);
    }
  }
  pod.infra.sort(newestFirst);
  for (const list of pod.containers.values()) list.sort(newestFirst);
  return pod;
}

export function emptyObserved(uid: string): ObservedPod {
  return { uid, infra: [], containers: new Map() };
}

/** Every container of the pod, infra included. */
export function allContainers(pod: ObservedPod): ObservedContainer[] {
  return [...pod.infra, ...[...pod.containers.values()].flat()];
}

/** The newest infra container when it runs: the pod's network namespace. */
export function runningInfra(pod: ObservedPod): ObservedContainer | undefined {
  const newest = pod.infra[0];
  return newest?.state === 'running' ? newest : undefined;
}
