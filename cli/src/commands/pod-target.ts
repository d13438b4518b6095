// The pod a command about one pod works on (logs, exec): POD, pod/NAME, or a workload
// (rs/NAME, deploy/NAME) whose pods are picked from as kubectl's polymorphic helpers do; and the
// container in it when none is named (podcmd.FindOrDefaultContainerByName).

import { controllerOf, selectorFromLabelSelector, type Deployment, type Pod, type ReplicaSet } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
import { CliError } from '../errors.js';
import { resolveResource } from '../resource-args.js';
import type { Io } from './common.js';

/** kubectl's default-container annotation. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** The pod kubectl would pick among a controller's pods: running ones first, then the oldest. */
export function pickPod(pods: readonly Pod[]): Pod | undefined {
  const rank = (p: Pod): number => (p.metadata.deletionTimestamp ? 2 : p.status?.phase === 'Running' ? 0 : 1);
  return [...pods].sort((a, b) => rank(a) - rank(b) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''))[0];
}

export interface PodTarget {
  pod: Pod;
  /** How many pods the workload had to choose from (1 for a pod named directly). */
  candidates: number;
}

/**
 * Resolves `POD`, `pod/NAME`, `rs/NAME` or `deploy/NAME` to one pod. `verb` words the refusal for
 * other kinds (`get the logs from`, `exec into`).
 */
export async function resolvePodTarget(api: Pick<ApiInterface, 'get' | 'list'>, namespace: string, arg: string, verb: string): Promise<PodTarget> {
  const slash = arg.indexOf('/');
  if (slash < 0) return { pod: await api.get<Pod>('pods', namespace, arg), candidates: 1 };
  const info = resolveResource(arg.slice(0, slash));
  const name = arg.slice(slash + 1);
  if (info.resource === 'pods') return { pod: await api.get<Pod>('pods', namespace, name), candidates: 1 };
  let pods: Pod[];
  if (info.resource === 'replicasets') {
    const rs = await api.get<ReplicaSet>('replicasets', namespace, name);
    const list = await api.list<Pod>('pods', { namespace, labelSelector: selectorFromLabelSelector(rs.spec?.selector).toString() });
    pods = list.items.filter((p) => controllerOf(p)?.uid === rs.metadata.uid);
  } else if (info.resource === 'deployments') {
    const d = await api.get<Deployment>('deployments', namespace, name);
    pods = (await api.list<Pod>('pods', { namespace, labelSelector: selectorFromLabelSelector(d.spec?.selector).toString() })).items;
  } else {
    const kind = info.kind.toLowerCase();
    throw new CliError(`error: cannot ${verb} ${kind}: selector for ${kind} not implemented`);
  }
  const pod = pickPod(pods);
  if (!pod) throw new CliError('error: timed out waiting for the condition');
  return { pod, candidates: pods.length };
}

/**
 * The container to use when none was named: the annotated default, else the first, with kubectl's
 * `Defaulted container "x" out of: x, y, z (init)` note when there was a choice.
 */
export function defaultContainer(pod: Readonly<Pod>, io: Io): string {
  const containers = pod.spec?.containers ?? [];
  const first = containers[0];
  if (!first) throw new CliError(`error: pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''} does not have any containers`);
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  const all = [...containers, ...(pod.spec?.initContainers ?? [])];
  if (annotated && all.some((c) => c.name === annotated)) return annotated;
  const inits = pod.spec?.initContainers ?? [];
  if (containers.length > 1 || inits.length > 0) {
    const names = [...containers.map((c) => c.name), ...inits.map((c) => `${c.name} (init)`)];
    io.err(`Defaulted container "${first.name}" out of: ${names.join(', ')}\n`);
  }
  return first.name;
}
