// What is left to do for a namespace being deleted, as pure functions, after Kubernetes'
// pkg/controller/namespace/deletion/namespaced_resources_deleter.go: which namespaced kinds to
// empty, how long what remains should take to go (estimateGracefulTermination), when to look
// again, and the namespace's finalizers without ours.

import { RESOURCES, type KubeObject, type Namespace, type Pod } from '@skiff/api';

/** The finalizer the apiserver puts on every namespace and this controller removes. */
export const NAMESPACE_FINALIZER = 'kubernetes';
/** Kubernetes' finalizerEstimateSeconds: how long to allow other controllers' finalizers. */
export const FINALIZER_ESTIMATE_SECONDS = 15;

/** Every namespaced resource the API knows (the ones the apiserver does not serve are skipped when listed). */
export function namespacedResources(): string[] {
  return RESOURCES.filter((r) => r.namespaced).map((r) => r.resource);
}

/** Whether this controller still has work on the namespace: being deleted and carrying our finalizer. */
export function needsFinalizing(ns: Readonly<Namespace>): boolean {
  return ns.metadata.deletionTimestamp !== undefined && (ns.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER);
}

/** spec.finalizers without ours (the body of the finalize subresource). */
export function finalizersWithoutOurs(ns: Readonly<Namespace>): string[] {
  return (ns.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER);
}

/**
 * estimateGracefulTerminationForPods: the longest grace period of the pods that have not finished,
 * or 0 once that long has passed since the namespace was deleted.
 */
export function podGraceEstimateSeconds(pods: readonly Readonly<Pod>[], now: number, namespaceDeletedAt: number): number {
  let estimate = 0;
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    estimate = Math.max(estimate, pod.spec.terminationGracePeriodSeconds ?? 0);
  }
  return now - namespaceDeletedAt >= estimate * 1000 ? 0 : estimate;
}

export type Remaining = { estimateSeconds: number } | { unexpected: string };

/**
 * What objects still there after the deletes mean (deleteAllContentForGroupVersionResource): wait
 * for the grace estimate; objects held by finalizers get FINALIZER_ESTIMATE_SECONDS; anything
 * else should have gone and is an error (retried with backoff).
 */
export function remainingAfterDelete(resource: string, remaining: readonly Readonly<KubeObject>[], graceEstimateSeconds: number): Remaining {
  if (remaining.length === 0 || graceEstimateSeconds > 0) return { estimateSeconds: remaining.length === 0 ? 0 : graceEstimateSeconds };
  if (remaining.some((o) => (o.metadata.finalizers?.length ?? 0) > 0)) return { estimateSeconds: FINALIZER_ESTIMATE_SECONDS };
  return { unexpected: `unexpected items still remain in namespace for ${resource}: ${remaining.length}` };
}

/** How long to wait before looking again, as Kubernetes' namespace controller: estimate / 2 + 1 seconds. */
export function requeueAfterMs(estimateSeconds: number): number {
  return (Math.floor(estimateSeconds / 2) + 1) * 1000;
}
