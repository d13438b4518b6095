// Pod defaults (pkg/apis/core/v1/defaults.go), on the fields Skiff supports. Also used for the pod
// template inside a ReplicaSet, as Kubernetes defaults embedded pod specs too.

import { parseQuantity, type Container, type PodSpec, type ResourceList } from '@skiff/api';

/** `:latest` or no tag → Always; otherwise IfNotPresent (a digest counts as a tag). */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tagAt = image.indexOf(':', lastSlash + 1);
  if (tagAt < 0) return 'Always';
  return image.slice(tagAt + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Quantities are stored as strings, as Kubernetes serializes them. */
function normalizeQuantities(list: ResourceList | undefined): void {
  if (!list) return;
  for (const [k, v] of Object.entries(list)) if (typeof v === 'number') list[k] = String(v);
}

function defaultContainer(c: Container): void {
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') c.imagePullPolicy = defaultPullPolicy(c.image);
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  if (c.resources) {
    normalizeQuantities(c.resources.limits);
    normalizeQuantities(c.resources.requests);
    // Requests default to limits for each resource that has a limit and no request.
    for (const [name, value] of Object.entries(c.resources.limits ?? {})) {
      if (value === undefined || parseQuantity(value) === undefined) continue;
      c.resources.requests ??= {};
      c.resources.requests[name] ??= value;
    }
  }
}

export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!spec) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  if (Array.isArray(spec.containers)) for (const c of spec.containers) if (c && typeof c === 'object') defaultContainer(c);
}
