// How a pod's containers become Docker containers (pure): the infra container that owns the pod's
// network namespace, and each app container joined to it with `NetworkMode: container:<infra>`.
// Both run an init process (`Init: true`), so SIGTERM reaches the program and a stop is fast.

import { cpuMillis, memoryBytes, type Container, type Pod } from '@skiff/api';
import type { ContainerSpec } from '../runtime/runtime.js';
import {
  INFRA_CONTAINER_NAME,
  LABEL_ATTEMPT,
  LABEL_GRACE_PERIOD,
  LABEL_IMAGE,
  LABEL_RESTART_COUNT,
  containerLabels,
  dockerContainerName,
} from './labels.js';

/** Sleeps "forever" (2^31-1 seconds): the infra container only holds the namespaces. */
export const INFRA_COMMAND = ['sleep', '2147483647'];

export function gracePeriodOf(pod: Readonly<Pod>): number {
  return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
}

/** The pod's hostname: `spec.hostname` or the pod's name, cut to a DNS label. */
export function podHostname(pod: Readonly<Pod>): string {
  return (pod.spec.hostname ?? pod.metadata.name ?? 'pod').slice(0, 63).replace(/[.-]+$/, '');
}

export function infraContainerSpec(pod: Readonly<Pod>, opts: { node: string; image: string; network: string; attempt: number }): ContainerSpec {
  return {
    name: dockerContainerName(pod, INFRA_CONTAINER_NAME, opts.attempt),
    image: opts.image,
    entrypoint: [INFRA_COMMAND[0] ?? 'sleep'],
    cmd: INFRA_COMMAND.slice(1),
    labels: {
      ...containerLabels(opts.node, pod, INFRA_CONTAINER_NAME, 'infra'),
      [LABEL_ATTEMPT]: String(opts.attempt),
      [LABEL_GRACE_PERIOD]: String(pod.spec.terminationGracePeriodSeconds ?? 30),
    },
    networkMode: opts.network,
    hostname: podHostname(pod),
    init: true,
  };
}

export function appContainerSpec(
  pod: Readonly<Pod>,
  container: Readonly<Container>,
  opts: { node: string; infraId: string; restartCount: number; image?: string },
): ContainerSpec {
  const spec: ContainerSpec = {
    name: dockerContainerName(pod, container, opts.restartCount),
    image: opts.image ?? container.image,
    labels: {
      ...containerLabels(opts.node, pod, container.name, 'app'),
      [LABEL_RESTART_COUNT]: String(opts.restartCount),
      [LABEL_GRACE_PERIOD]: String(pod.spec.terminationGracePeriodSeconds ?? 30),
      [LABEL_IMAGE]: container.image,
    },
    networkMode: `container:${opts.infraId}`,
    init: true,
  };
  if (container.command !== undefined) spec.entrypoint = [...container.command];
  if (container.args !== undefined) spec.cmd = [...container.args];
  if (container.env !== undefined) spec.env = container.env.map((e) => `${e.name}=${e.value ?? ''}`);
  if (container.workingDir !== undefined) spec.workingDir = container.workingDir;
  const limits = container.resources?.limits;
  if (limits?.cpu !== undefined) {
    const millis = cpuMillis(limits.cpu);
    if (millis > 0) spec.nanoCpus = millis * 1_000_000;
  }
  if (limits?.memory !== undefined) {
    const bytes = memoryBytes(limits.memory);
    if (bytes > 0) spec.memoryBytes = bytes;
  }
  return spec;
}
