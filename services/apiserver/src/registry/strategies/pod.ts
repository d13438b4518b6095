// Pods (pkg/registry/core/pod/strategy.go): defaults, status reset on create, the narrow set of
// spec changes an update may make, graceful deletion and the pod field selectors.

import { isDeepStrictEqual } from 'node:util';
import { RESOURCES, qosClass, type FieldError, type Pod, type PodSpec } from '@skiff/api';
import type { Strategy } from '../strategy.js';
import { fe } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';
import { validatePodSpec } from '../validation/pod-spec.js';
import { validateConditions } from '../validation/conditions.js';
import { defaultPodSpec } from './pod-defaults.js';
import { podSchema } from './pod-schema.js';

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

const UPDATABLE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.tolerations` (only additions to existing tolerations)';

/** ValidatePodUpdate: only images (of containers and init containers) and added tolerations may change in a pod's spec. */
export function validatePodSpecUpdate(next: PodSpec, prev: PodSpec): FieldError[] {
  if ((next.containers ?? []).length !== (prev.containers ?? []).length) {
    return [fe.forbidden('spec.containers', 'pod updates may not add or remove containers')];
  }
  if ((next.initContainers ?? []).length !== (prev.initContainers ?? []).length) {
    return [fe.forbidden('spec.initContainers', 'pod updates may not add or remove containers')];
  }
  const munged: PodSpec = structuredClone(prev);
  for (const list of ['containers', 'initContainers'] as const) {
    (munged[list] ?? []).forEach((c, i) => {
      const image = next[list]?.[i]?.image;
      if (image !== undefined) c.image = image;
    });
  }
  const oldTolerations = prev.tolerations ?? [];
  const newTolerations = next.tolerations ?? [];
  if (oldTolerations.every((t) => newTolerations.some((n) => isDeepStrictEqual(n, t)))) {
    if (next.tolerations === undefined) delete munged.tolerations;
    else munged.tolerations = next.tolerations;
  }
  if (isDeepStrictEqual(munged, next)) return [];
  const keys = new Set([...Object.keys(munged), ...Object.keys(next)]);
  const changed = [...keys].filter((k) => !isDeepStrictEqual((munged as unknown as Record<string, unknown>)[k], (next as unknown as Record<string, unknown>)[k]));
  return [fe.forbidden('spec', `${UPDATABLE} (changed: ${changed.map((k) => `spec.${k}`).join(', ')})`)];
}

export const podStrategy: Strategy<Pod> = {
  info: RESOURCES.find((r) => r.resource === 'pods')!,
  schema: podSchema,
  nameValidator: subdomainName,
  tracksGeneration: true,
  hasStatusSubresource: true,
  applyDefaults(pod) {
    defaultPodSpec(pod.spec);
  },
  prepareForCreate(pod) {
    pod.status = { phase: 'Pending', qosClass: qosClass(pod.spec ?? { containers: [] }) };
  },
  validate(pod) {
    return [...validateObjectMeta(pod.metadata, true, subdomainName), ...validatePodSpec(pod.spec, 'spec')];
  },
  validateUpdate(pod, old) {
    return validatePodSpecUpdate(pod.spec, old.spec);
  },
  validateStatus(pod) {
    const errs: FieldError[] = [];
    const phase = pod.status?.phase;
    if (phase !== undefined && !PHASES.includes(phase)) errs.push(fe.notSupported('status.phase', phase, PHASES));
    errs.push(...validateConditions(pod.status?.conditions, 'status.conditions'));
    return errs;
  },
  selectableFields(pod) {
    return {
      'spec.nodeName': pod.spec?.nodeName ?? '',
      'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
      'spec.schedulerName': pod.spec?.schedulerName ?? '',
      'status.phase': pod.status?.phase ?? '',
      'status.podIP': pod.status?.podIP ?? '',
    };
  },
  gracePeriodSeconds(pod, requested) {
    // CheckGracefulDeletion: an unscheduled or finished pod goes at once.
    if (!pod.spec?.nodeName) return 0;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 0;
    return requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  },
};
