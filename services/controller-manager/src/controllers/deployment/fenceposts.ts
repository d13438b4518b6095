// A Deployment's apps/v1 defaults and its rolling-update fenceposts (maxSurge, maxUnavailable),
// after Kubernetes' pkg/apis/apps/v1/defaults.go and deployment/util (ResolveFenceposts,
// MaxSurge, MaxUnavailable) with intstr.GetScaledValueFromIntOrPercent.

import { clone, type Deployment } from '@skiff/api';

export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
/** math.MaxInt32: Kubernetes' "no limit" for progressDeadlineSeconds and revisionHistoryLimit. */
export const NO_LIMIT = 2147483647;

/** A Deployment whose optional fields are filled with apps/v1's defaults. */
export interface DefaultedDeployment extends Deployment {
  spec: Deployment['spec'] & { replicas: number; minReadySeconds: number; revisionHistoryLimit: number; progressDeadlineSeconds: number };
}

/**
 * A copy with apps/v1's defaults (the apiserver applies them too; the controller does not rely
 * on it): 1 replica, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600.
 */
export function withDefaults(d: Readonly<Deployment>): DefaultedDeployment {
  const c = clone(d) as DefaultedDeployment;
  const spec = c.spec;
  spec.replicas ??= 1;
  spec.minReadySeconds ??= 0;
  spec.revisionHistoryLimit ??= DEFAULT_REVISION_HISTORY_LIMIT;
  spec.progressDeadlineSeconds ??= DEFAULT_PROGRESS_DEADLINE_SECONDS;
  spec.strategy = { ...spec.strategy, type: spec.strategy?.type ?? 'RollingUpdate' };
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate = {
      maxSurge: spec.strategy.rollingUpdate?.maxSurge ?? DEFAULT_MAX_SURGE,
      maxUnavailable: spec.strategy.rollingUpdate?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE,
    };
  }
  c.status ??= {};
  return c;
}

/**
 * An int-or-percent scaled to `total` (GetScaledValueFromIntOrPercent): a number is itself, "25%"
 * is 25% of total rounded up or down. Anything else is refused (the apiserver's validation keeps
 * it out).
 */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(-?\d+)%$/.exec(value);
  if (!m) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage: "${value}"`);
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * maxSurge (rounded up) and maxUnavailable (rounded down) for `desired` replicas. Both may not be
 * 0: when rounding makes them so, maxUnavailable becomes 1, on the theory that surging might not
 * work (quota).
 */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function isRollingUpdate(d: Readonly<DefaultedDeployment>): boolean {
  return d.spec.strategy?.type === 'RollingUpdate';
}

/** How many pods above the desired count a rollout may run (0 for Recreate). */
export function maxSurge(d: Readonly<DefaultedDeployment>): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, d.spec.replicas).surge;
}

/** How many desired pods may be unavailable during a rollout (0 for Recreate or 0 replicas). */
export function maxUnavailable(d: Readonly<DefaultedDeployment>): number {
  if (!isRollingUpdate(d) || d.spec.replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return Math.min(resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, d.spec.replicas).unavailable, d.spec.replicas);
}

export function hasProgressDeadline(d: Readonly<DefaultedDeployment>): boolean {
  return d.spec.progressDeadlineSeconds !== NO_LIMIT;
}

export function hasRevisionHistoryLimit(d: Readonly<DefaultedDeployment>): boolean {
  return d.spec.revisionHistoryLimit !== NO_LIMIT;
}
