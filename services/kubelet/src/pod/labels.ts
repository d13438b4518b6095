// The Docker labels and names the kubelet puts on what it creates. Labels are the kubelet's only
// memory: after a restart it finds its containers again through them (the way Kubernetes' kubelet
// reads `io.kubernetes.pod.uid` and friends back from the runtime).

import type { Container, Pod } from '@skiff/api';

export const LABEL_MANAGED = 'skiff.io/managed';
export const LABEL_NODE = 'skiff.io/node';
export const LABEL_POD_UID = 'skiff.io/pod-uid';
export const LABEL_POD_NAMESPACE = 'skiff.io/pod-namespace';
export const LABEL_POD_NAME = 'skiff.io/pod-name';
export const LABEL_CONTAINER_NAME = 'skiff.io/container-name';
export const LABEL_ROLE = 'skiff.io/role';
/** App containers: how many times this container of the pod was restarted before this one. */
export const LABEL_RESTART_COUNT = 'skiff.io/restart-count';
/** Infra containers: the sandbox attempt (0, 1, ... each time the pod's sandbox is re-created). */
export const LABEL_ATTEMPT = 'skiff.io/attempt';
/** The grace period to use when the pod is gone from the API and its containers are orphans. */
export const LABEL_GRACE_PERIOD = 'skiff.io/termination-grace-period';
/** The image as the pod spec names it (Docker may report the id once a tag moves). */
export const LABEL_IMAGE = 'skiff.io/image';

/** The container name the infra container carries in `skiff.io/container-name`. */
export const INFRA_CONTAINER_NAME = 'POD';

export type Role = 'infra' | 'app';

export function nodeLabels(node: string): Record<string, string> {
  return { [LABEL_NODE]: node };
}

export function podSelectorLabels(node: string, namespace: string, name: string): Record<string, string> {
  return { [LABEL_NODE]: node, [LABEL_POD_NAMESPACE]: namespace, [LABEL_POD_NAME]: name };
}

export function containerLabels(node: string, pod: Readonly<Pod>, containerName: string, role: Role): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_NODE]: node,
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? 'default',
    [LABEL_POD_NAME]: pod.metadata.name ?? '',
    [LABEL_CONTAINER_NAME]: containerName,
    [LABEL_ROLE]: role,
  };
}

/** `skiff_<container>_<pod>_<namespace>_<uid8>_<attempt>`: unique per pod, container and attempt. */
export function dockerContainerName(pod: Readonly<Pod>, container: Readonly<Container> | typeof INFRA_CONTAINER_NAME, attempt: number): string {
  const name = typeof container === 'string' ? container : container.name;
  const uid8 = (pod.metadata.uid ?? '').replace(/-/g, '').slice(0, 8);
  return `skiff_${name}_${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? 'default'}_${uid8}_${attempt}`;
}

/** `namespace/name` of the pod a container belongs to, from its labels. */
export function podKeyOf(labels: Record<string, string>): string | undefined {
  const ns = labels[LABEL_POD_NAMESPACE];
  const name = labels[LABEL_POD_NAME];
  return ns && name ? `${ns}/${name}` : undefined;
}

/** The node's Docker network. */
export function networkName(node: string): string {
  return `skiff-${node}`;
}
