// Taint/toleration matching, as k8s.io/api core/v1 Toleration.ToleratesTaint and
// v1helper.FindMatchingUntoleratedTaint.

import type { Taint, Toleration } from '@skiff/api';

/**
 * An empty effect matches every effect; an empty key matches every key (valid only with Exists);
 * operator Exists ignores the value; an empty operator means Equal.
 */
export function toleratesTaint(toleration: Readonly<Toleration>, taint: Readonly<Taint>): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Readonly<Toleration>[] | undefined, taint: Readonly<Taint>): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/** The first taint that `include` selects and no toleration tolerates. */
export function findUntoleratedTaint(
  taints: readonly Readonly<Taint>[] | undefined,
  tolerations: readonly Readonly<Toleration>[] | undefined,
  include: (t: Readonly<Taint>) => boolean,
): Readonly<Taint> | undefined {
  return (taints ?? []).find((t) => include(t) && !tolerationsTolerateTaint(tolerations, t));
}

/** Well-known taints (k8s.io/api/core/v1 well_known_taints.go). */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
