// The pods/eviction subresource (pkg/registry/core/pod/storage/eviction.go): a policy/v1 Eviction
// deletes the pod (gracefully) unless that would violate the PodDisruptionBudget selecting it. A
// budget allows it while its status.disruptionsAllowed (kept by the disruption controller) is
// above 0; the eviction takes one (and records the pod in status.disruptedPods) before deleting.
// Refusals are 429 TooManyRequests with Kubernetes' message, so `drain` retries them.

import { ApiError, errors, findCondition, nowRFC3339, selectorFromLabelSelector, type Condition, type Pod, type PodDisruptionBudget } from '@skiff/api';
import type { DeleteOptions, PropagationPolicy } from './delete-plan.js';
import type { ResourceStore } from './resource-store.js';

const MAX_ATTEMPTS = 8;
const POLICIES: readonly string[] = ['Foreground', 'Background', 'Orphan'];
const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

export interface EvictionStores {
  store(resource: string): ResourceStore;
}

/** What a successful eviction answers (metav1.Status Success, 201). */
export const EVICTION_SUCCESS = { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', code: 201 } as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The pod's name and the delete options the Eviction carries. */
function parseEviction(body: unknown, refName: string, namespace: string): { name: string; options: DeleteOptions } {
  if (!isObject(body)) throw errors.badRequest('the eviction must be a JSON object');
  if (body['kind'] !== undefined && body['kind'] !== 'Eviction') throw errors.badRequest(`the kind in the data (${JSON.stringify(body['kind'])}) does not match the expected kind ("Eviction")`);
  const meta = isObject(body['metadata']) ? body['metadata'] : {};
  const bodyName = typeof meta['name'] === 'string' ? meta['name'] : '';
  const bodyNs = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
  if (refName && bodyName && refName !== bodyName) throw errors.badRequest('name in URL does not match name in Eviction object');
  if (bodyNs && namespace && bodyNs !== namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  const name = refName || bodyName;
  if (!name) throw errors.badRequest('resource name may not be empty');
  const raw = isObject(body['deleteOptions']) ? body['deleteOptions'] : {};
  const options: DeleteOptions = {};
  if (typeof raw['gracePeriodSeconds'] === 'number' && raw['gracePeriodSeconds'] >= 0) options.gracePeriodSeconds = raw['gracePeriodSeconds'];
  const policy = raw['propagationPolicy'];
  if (typeof policy === 'string' && policy !== '') {
    if (!POLICIES.includes(policy)) throw errors.badRequest(`unsupported propagationPolicy "${policy}"`);
    options.propagationPolicy = policy as PropagationPolicy;
  }
  return { name, options };
}

/** canIgnorePDB: a pod that is not running yet, finished or already being deleted disrupts nothing. */
function canIgnoreBudget(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp !== undefined;
}

function isReady(pod: Pod): boolean {
  return findCondition(pod.status?.conditions, 'Ready')?.status === 'True';
}

/** The budgets whose (non-empty) selector matches the pod: an empty selector matches nothing here. */
function budgetsOf(pod: Pod, pdbs: readonly PodDisruptionBudget[]): PodDisruptionBudget[] {
  return pdbs.filter((pdb) => {
    const sel = pdb.spec?.selector;
    if (!sel || Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions ?? []).length === 0) return false;
    try {
      return selectorFromLabelSelector(sel).matches(pod.metadata.labels ?? {});
    } catch {
      return false;
    }
  });
}

function tooManyRequests(cause: string): ApiError {
  return new ApiError('TooManyRequests', VIOLATION, { causes: [{ reason: 'DisruptionBudget', message: cause, field: '' }] });
}

/** checkAndDecrement: the budget after taking one disruption for `podName`, or the refusal. */
export function takeDisruption(pdb: PodDisruptionBudget, podName: string, now: Date): PodDisruptionBudget {
  const name = pdb.metadata.name ?? '';
  const st = pdb.status;
  if (!st || (st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
    throw tooManyRequests(`The disruption budget ${name} is still being processed by the server.`);
  }
  if (st.disruptionsAllowed < 0) throw errors.forbidden('poddisruptionbudget.policy', name, 'pdb disruptions allowed is negative');
  if (st.disruptionsAllowed === 0) {
    throw tooManyRequests(`The disruption budget ${name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently`);
  }
  const next = structuredClone(pdb);
  const ns = next.status!;
  ns.disruptionsAllowed -= 1;
  ns.disruptedPods = { ...ns.disruptedPods, [podName]: nowRFC3339(now) };
  if (ns.disruptionsAllowed === 0) {
    const condition: Condition = { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', lastTransitionTime: nowRFC3339(now) };
    const previous = findCondition(ns.conditions, 'DisruptionAllowed');
    if (previous?.status !== 'False') ns.conditions = [...(ns.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed'), condition];
  }
  return next;
}

/** Evicts the pod: checks and decrements its budget, then deletes it. Retries when the budget or pod changed meanwhile. */
export async function evictPod(
  stores: EvictionStores,
  namespace: string,
  refName: string,
  body: unknown,
  opts: { dryRun?: boolean; now?: () => Date } = {},
): Promise<typeof EVICTION_SUCCESS> {
  const ns = namespace || 'default';
  const { name, options } = parseEviction(body, refName, ns);
  const pods = stores.store('pods');
  const budgets = stores.store('poddisruptionbudgets');
  const now = opts.now ?? (() => new Date());
  for (let attempt = 1; ; attempt++) {
    const pod = (await pods.get(ns, name)) as Pod;
    const deleteOptions: DeleteOptions = { ...options, preconditions: { uid: pod.metadata.uid ?? '' } };
    try {
      if (!canIgnoreBudget(pod)) {
        const matching = budgetsOf(pod, (await budgets.list({ namespace: ns })).items as PodDisruptionBudget[]);
        if (matching.length > 1) throw errors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
        const pdb = matching[0];
        // A pod that is not ready does not count as healthy: evicting it takes nothing from a budget that is met.
        const unhealthyWithinBudget = pdb?.status && !isReady(pod) && pdb.status.currentHealthy >= pdb.status.desiredHealthy && pdb.status.desiredHealthy > 0;
        if (pdb && !unhealthyWithinBudget) {
          const taken = takeDisruption(pdb, name, now());
          if (!opts.dryRun) await budgets.update(ns, pdb.metadata.name ?? '', taken, { subresource: 'status' });
        }
      }
      if (!opts.dryRun) await pods.delete(ns, name, deleteOptions);
      return EVICTION_SUCCESS;
    } catch (e) {
      // The budget or the pod changed since they were read: look again.
      if (!(e instanceof ApiError && e.reason === 'Conflict' && attempt < MAX_ATTEMPTS)) throw e;
    }
  }
}
