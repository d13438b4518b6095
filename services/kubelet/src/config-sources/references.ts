// Which ConfigMaps and Secrets a pod refers to (pure): env, envFrom (app and init containers) and
// volumes. The kubelet watches exactly these, as Kubernetes' watch-based managers do
// (pkg/kubelet/util/manager: podutil.VisitPodConfigmapNames / VisitPodSecretNames).

import type { Pod } from '@skiff/api';

export type SourceResource = 'configmaps' | 'secrets';

export interface SourceRef {
  resource: SourceResource;
  namespace: string;
  name: string;
}

/** `configmaps/default/app`: one key per watched object. */
export function refKey(ref: SourceRef): string {
  return `${ref.resource}/${ref.namespace}/${ref.name}`;
}

export function podSourceRefs(pod: Readonly<Pod>): SourceRef[] {
  const namespace = pod.metadata.namespace ?? 'default';
  const out = new Map<string, SourceRef>();
  const add = (resource: SourceResource, name: string | undefined): void => {
    if (!name) return;
    const ref = { resource, namespace, name };
    out.set(refKey(ref), ref);
  };
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const from of c.envFrom ?? []) {
      add('configmaps', from.configMapRef?.name);
      add('secrets', from.secretRef?.name);
    }
    for (const e of c.env ?? []) {
      add('configmaps', e.valueFrom?.configMapKeyRef?.name);
      add('secrets', e.valueFrom?.secretKeyRef?.name);
    }
  }
  for (const v of pod.spec.volumes ?? []) {
    add('configmaps', v.configMap?.name);
    add('secrets', v.secret?.secretName);
  }
  return [...out.values()];
}
