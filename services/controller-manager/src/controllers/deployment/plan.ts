// The Deployment controller's decision, as a pure function of the Deployment, the ReplicaSets it
// controls, their pods and the time: which ReplicaSets to create, scale (or re-annotate) and
// delete, the revision the Deployment carries, its status, and when to look again. The executor
// in deployment-controller.ts applies it; this file never talks to the API.
//
// Follows Kubernetes' pkg/controller/deployment: syncDeployment (deployment_controller.go), sync,
// scale, getNewReplicaSet, cleanupDeployment (sync.go), rolloutRolling (rolling.go),
// rolloutRecreate (recreate.go), syncRolloutStatus (progress.go). Kubernetes writes as it goes;
// here every write is made to a private copy of the object and recorded, so later steps of the
// same sync see it exactly as Kubernetes' would after its API call.

import { clone, selectorFromLabelSelector, type Deployment, type DeploymentStatus, type OwnerReference, type Pod, type ReplicaSet } from '@skiff/api';
import {
  calculateStatus,
  deploymentComplete,
  getCondition,
  newCondition,
  PROGRESSING,
  REASONS,
  rolloutStatus,
  setCondition,
  statusChanged,
} from './deployment-status.js';
import { hasProgressDeadline, hasRevisionHistoryLimit, isRollingUpdate, maxSurge, maxUnavailable, withDefaults, type DefaultedDeployment } from './fenceposts.js';
import { computeHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';
import {
  activeReplicaSets,
  byCreation,
  byRevision,
  bySizeNewer,
  bySizeOlder,
  desiredReplicasAnnotation,
  findActiveOrLatest,
  findNewReplicaSet,
  getProportion,
  isSaturated,
  maxRevision,
  newRSNewReplicas,
  replicasAnnotationsNeedUpdate,
  replicasOf,
  REVISION_ANNOTATION,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  sumActual,
  sumAvailable,
  sumReplicas,
} from './replica-sets.js';

export interface DeploymentInput {
  deployment: Readonly<Deployment>;
  /** The ReplicaSets the Deployment controls (after adoption and release). */
  replicaSets: readonly Readonly<ReplicaSet>[];
  /** The pods each of those ReplicaSets controls, by RS uid, terminating and finished ones too. */
  podsByReplicaSet: ReadonlyMap<string, readonly Readonly<Pod>[]>;
  now: number;
}

export type ReplicaSetAction =
  | { op: 'create'; rs: ReplicaSet }
  /** A full update (compare-and-swap on the cached resourceVersion); `scaled` when spec.replicas changed. */
  | { op: 'update'; rs: ReplicaSet; scaled?: { from: number; to: number } }
  | { op: 'delete'; rs: ReplicaSet };

export interface DeploymentPlan {
  /** In order; the executor stops at the first that fails. */
  actions: ReplicaSetAction[];
  /** The deployment.kubernetes.io/revision annotation to set on the Deployment, when it changes. */
  revision?: string;
  /** The status to write, when it changes. */
  status?: DeploymentStatus;
  /** When to look again (the progress deadline), if nothing else will wake the Deployment. */
  requeueAfterMs?: number;
  warnings: { reason: string; message: string }[];
}

export function controllerRefForDeployment(d: Readonly<Deployment>): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name ?? '', uid: d.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/** `Scaled up replica set web-5d9c7b4f8 from 0 to 1`, as Kubernetes' ScalingReplicaSet event. */
export function scalingMessage(name: string, from: number, to: number): string {
  return `Scaled ${to > from ? 'up' : 'down'} replica set ${name} from ${from} to ${to}`;
}

export function planDeployment(input: DeploymentInput): DeploymentPlan {
  return new Rollout(input).plan();
}

/** One sync of one Deployment, over private copies of it and its ReplicaSets. */
class Rollout {
  private readonly d: DefaultedDeployment;
  private readonly rss: ReplicaSet[];
  private readonly actions: ReplicaSetAction[] = [];
  private readonly actionByName = new Map<string, ReplicaSetAction>();
  /** ReplicaSets whose spec this sync changes: their status describes an older generation. */
  private readonly specChanged = new Set<string>();
  private readonly warnings: DeploymentPlan['warnings'] = [];
  private readonly now: number;
  private status: DeploymentStatus | undefined;
  private requeueAfterMs: number | undefined;

  constructor(private readonly input: DeploymentInput) {
    this.d = withDefaults(input.deployment);
    this.rss = input.replicaSets.map((rs) => clone(rs) as ReplicaSet);
    this.now = input.now;
  }

  plan(): DeploymentPlan {
    this.sync();
    const plan: DeploymentPlan = { actions: this.actions, warnings: this.warnings };
    const revision = this.d.metadata.annotations?.[REVISION_ANNOTATION];
    if (revision !== undefined && revision !== this.input.deployment.metadata.annotations?.[REVISION_ANNOTATION]) plan.revision = revision;
    if (this.status && statusChanged(this.input.deployment.status, this.status)) plan.status = this.status;
    if (this.requeueAfterMs !== undefined) plan.requeueAfterMs = this.requeueAfterMs;
    return plan;
  }

  /** syncDeployment. */
  private sync(): void {
    const d = this.d;
    if (selectorFromLabelSelector(d.spec.selector).isEmpty()) {
      this.warnings.push({ reason: 'SelectingAll', message: 'This deployment is selecting all pods. A non-empty selector is required.' });
      const generation = d.metadata.generation ?? 0;
      if ((d.status?.observedGeneration ?? 0) < generation) this.status = { ...d.status, observedGeneration: generation };
      return;
    }
    if (d.metadata.deletionTimestamp) {
      // Being deleted: report status only, change nothing (syncStatusOnly).
      const { newRS, oldRSs } = this.replicaSetsAndRevision(false);
      this.status = calculateStatus([...oldRSs, newRS], newRS, d, this.now);
      return;
    }
    this.checkPausedConditions();
    if (d.spec.paused || this.isScalingEvent()) return this.scaleOnly();
    if (d.spec.strategy?.type === 'Recreate') return this.rolloutRecreate();
    return this.rolloutRolling();
  }

  // ---- recording writes ----

  private recordUpdate(rs: ReplicaSet, scaled?: { from: number; to: number }): void {
    const name = rs.metadata.name ?? '';
    const existing = this.actionByName.get(name);
    if (existing?.op === 'create') return; // not created yet: the create carries the final object
    if (existing?.op === 'update') {
      if (scaled) existing.scaled = { from: existing.scaled?.from ?? scaled.from, to: scaled.to };
      return;
    }
    const action: ReplicaSetAction = scaled ? { op: 'update', rs, scaled } : { op: 'update', rs };
    this.actions.push(action);
    this.actionByName.set(name, action);
  }

  /** scaleReplicaSet: sets the size and the replicas annotations; true if the size changed. */
  private scaleReplicaSet(rs: ReplicaSet, to: number): boolean {
    const d = this.d;
    const max = d.spec.replicas + maxSurge(d);
    const sizeChanges = replicasOf(rs) !== to;
    if (!sizeChanges && !replicasAnnotationsNeedUpdate(rs, d.spec.replicas, max)) return false;
    const from = replicasOf(rs);
    rs.spec.replicas = to;
    setReplicasAnnotations(rs, d.spec.replicas, max);
    if (sizeChanges) this.specChanged.add(rs.metadata.name ?? '');
    this.recordUpdate(rs, sizeChanges ? { from, to } : undefined);
    return sizeChanges;
  }

  /** scaleReplicaSetAndRecordEvent: only when the size differs. */
  private scaleTo(rs: ReplicaSet, to: number): boolean {
    return replicasOf(rs) === to ? false : this.scaleReplicaSet(rs, to);
  }

  // ---- the new and old ReplicaSets, revisions ----

  /** getAllReplicaSetsAndSyncRevision: the new RS (created if asked and missing) and the old ones. */
  private replicaSetsAndRevision(create: boolean): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    const existing = findNewReplicaSet(this.d, this.rss);
    const oldRSs = this.rss.filter((rs) => rs !== existing);
    return { newRS: this.newReplicaSet(existing, oldRSs, create), oldRSs };
  }

  private setRevision(revision: string): void {
    (this.d.metadata.annotations ??= {})[REVISION_ANNOTATION] = revision;
  }

  /** getNewReplicaSet: syncs the new RS's revision and annotations, or creates it. */
  private newReplicaSet(existing: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], create: boolean): ReplicaSet | undefined {
    const d = this.d;
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      // A reused old template (a rollback) takes the newest revision number here.
      const annotationsChanged = setNewReplicaSetAnnotations(d, existing, newRevision, true);
      const minReadyChanged = (existing.spec.minReadySeconds ?? 0) !== d.spec.minReadySeconds;
      if (annotationsChanged || minReadyChanged) {
        existing.spec.minReadySeconds = d.spec.minReadySeconds;
        if (minReadyChanged) this.specChanged.add(existing.metadata.name ?? '');
        this.recordUpdate(existing);
      }
      const revision = existing.metadata.annotations?.[REVISION_ANNOTATION];
      if (revision !== undefined) this.setRevision(revision);
      if (hasProgressDeadline(d) && !getCondition(d.status, PROGRESSING)) {
        setCondition((d.status ??= {}), newCondition(PROGRESSING, 'True', REASONS.foundNewReplicaSet, `Found new replica set "${existing.metadata.name ?? ''}"`, this.now));
      }
      return existing;
    }
    if (!create) return undefined;

    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const template = clone(d.spec.template);
    const labels = { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    template.metadata = { ...template.metadata, labels };
    const selector = clone(d.spec.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name ?? ''}-${hash}`,
        namespace: d.metadata.namespace ?? 'default',
        labels: { ...labels },
        ownerReferences: [controllerRefForDeployment(d)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds, selector, template },
    };
    rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    this.rss.push(rs);
    const action: ReplicaSetAction = { op: 'create', rs };
    this.actions.push(action);
    this.actionByName.set(rs.metadata.name ?? '', action);
    this.setRevision(String(newRevision));
    if (hasProgressDeadline(d)) {
      setCondition((d.status ??= {}), newCondition(PROGRESSING, 'True', REASONS.newReplicaSetCreated, `Created new replica set "${rs.metadata.name ?? ''}"`, this.now));
    }
    return rs;
  }

  // ---- pause, scaling events, proportional scaling ----

  /** checkPausedConditions: Progressing=Unknown DeploymentPaused/DeploymentResumed, so a pause never times out. */
  private checkPausedConditions(): void {
    const d = this.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status, PROGRESSING);
    if (cond?.reason === REASONS.progressDeadlineExceeded) return;
    const pausedCondExists = cond?.reason === REASONS.deploymentPaused;
    if (d.spec.paused && !pausedCondExists) {
      setCondition((d.status ??= {}), newCondition(PROGRESSING, 'Unknown', REASONS.deploymentPaused, 'Deployment is paused', this.now));
    } else if (!d.spec.paused && pausedCondExists) {
      setCondition((d.status ??= {}), newCondition(PROGRESSING, 'Unknown', REASONS.deploymentResumed, 'Deployment is resumed', this.now));
    }
  }

  /** isScalingEvent: an active RS was last sized for another replica count than the Deployment's. */
  private isScalingEvent(): boolean {
    const { newRS, oldRSs } = this.replicaSetsAndRevision(false);
    return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
      const desired = desiredReplicasAnnotation(rs);
      return desired !== undefined && desired !== this.d.spec.replicas;
    });
  }

  /** sync: scaling (or paused): resize without rolling out, then status without progress estimates. */
  private scaleOnly(): void {
    const { newRS, oldRSs } = this.replicaSetsAndRevision(false);
    this.scale(newRS, oldRSs);
    if (this.d.spec.paused) this.cleanup(oldRSs);
    this.status = calculateStatus([...oldRSs, newRS], newRS, this.d, this.now);
  }

  /**
   * scale: one active RS takes the whole size; a saturated new RS means the old ones go to 0;
   * otherwise (RollingUpdate) the change is spread over the active RSs in proportion to their size,
   * the leftover to the largest, so a mid-rollout resize neither hastens nor stalls the rollout.
   */
  private scale(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): void {
    const d = this.d;
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (replicasOf(activeOrLatest) !== d.spec.replicas) this.scaleTo(activeOrLatest, d.spec.replicas);
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeReplicaSets(oldRSs)) this.scaleTo(old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const all = activeReplicaSets([...oldRSs, newRS]);
    const allowedSize = d.spec.replicas > 0 ? d.spec.replicas + maxSurge(d) : 0;
    const toAdd = allowedSize - sumReplicas(all);
    if (toAdd > 0) all.sort(bySizeNewer);
    else if (toAdd < 0) all.sort(bySizeOlder);
    let added = 0;
    const sizes = all.map((rs) => {
      if (toAdd === 0) return replicasOf(rs);
      const proportion = getProportion(rs, d, toAdd, added);
      added += proportion;
      return replicasOf(rs) + proportion;
    });
    all.forEach((rs, i) => {
      let size = sizes[i] ?? replicasOf(rs);
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      this.scaleReplicaSet(rs, size);
    });
  }

  // ---- rollouts ----

  /** rolloutRolling: scale the new RS up within maxSurge, else the old ones down within maxUnavailable. */
  private rolloutRolling(): void {
    const { newRS, oldRSs } = this.replicaSetsAndRevision(true);
    if (!newRS) return;
    const all = [...oldRSs, newRS];
    if (this.reconcileNewReplicaSet(all, newRS) || this.reconcileOldReplicaSets(all, activeReplicaSets(oldRSs), newRS)) {
      return this.syncRolloutStatus(all, newRS);
    }
    if (deploymentComplete(this.d, this.d.status ?? {})) this.cleanup(oldRSs);
    this.syncRolloutStatus(all, newRS);
  }

  private reconcileNewReplicaSet(all: readonly ReplicaSet[], newRS: ReplicaSet): boolean {
    const desired = this.d.spec.replicas;
    if (replicasOf(newRS) === desired) return false;
    if (replicasOf(newRS) > desired) return this.scaleTo(newRS, desired);
    return this.scaleTo(newRS, newRSNewReplicas(this.d, all, newRS));
  }

  /**
   * reconcileOldReplicaSets: at most allPods - minAvailable - unavailable-in-new may go; the old
   * RSs' unhealthy replicas first (they cost no availability), then available ones, oldest RS first.
   */
  private reconcileOldReplicaSets(all: readonly ReplicaSet[], oldActive: ReplicaSet[], newRS: ReplicaSet): boolean {
    if (sumReplicas(oldActive) === 0) return false;
    const minAvailable = this.d.spec.replicas - maxUnavailable(this.d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = sumReplicas(all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    const cleaned = this.cleanupUnhealthyReplicas(oldActive, maxScaledDown);
    // A status that counts more available pods than the spec allows is stale: wait for a fresh one.
    if (cleaned === undefined) return false;
    const scaledDown = this.scaleDownOldReplicaSetsForRollingUpdate([...oldActive, newRS], oldActive);
    return cleaned + scaledDown > 0;
  }

  private cleanupUnhealthyReplicas(oldRSs: ReplicaSet[], maxCleanup: number): number | undefined {
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= maxCleanup) break;
      const replicas = replicasOf(rs);
      const available = rs.status?.availableReplicas ?? 0;
      if (replicas === 0 || replicas === available) continue;
      const count = Math.min(maxCleanup - total, replicas - available);
      // Kubernetes refuses "to scale down" to more than the RS has, and stops scaling down this sync.
      if (count < 0) return undefined;
      this.scaleTo(rs, replicas - count);
      total += count;
    }
    return total;
  }

  private scaleDownOldReplicaSetsForRollingUpdate(all: readonly ReplicaSet[], oldRSs: ReplicaSet[]): number {
    const minAvailable = this.d.spec.replicas - maxUnavailable(this.d);
    const available = sumAvailable(all);
    if (available <= minAvailable) return 0;
    const target = available - minAvailable;
    let total = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (total >= target) break;
      if (replicasOf(rs) === 0) continue;
      const count = Math.min(replicasOf(rs), target - total);
      this.scaleTo(rs, replicasOf(rs) - count);
      total += count;
    }
    return total;
  }

  /** rolloutRecreate: old RSs to 0, wait until none of their pods runs, then the new RS at full size. */
  private rolloutRecreate(): void {
    let { newRS, oldRSs } = this.replicaSetsAndRevision(false);
    let all = [...oldRSs, newRS];
    let scaledDown = false;
    for (const old of activeReplicaSets(oldRSs)) if (this.scaleTo(old, 0)) scaledDown = true;
    if (scaledDown || this.oldPodsRunning(newRS, oldRSs)) return this.syncRolloutStatus(all, newRS);
    if (!newRS) {
      ({ newRS, oldRSs } = this.replicaSetsAndRevision(true));
      all = [...oldRSs, newRS];
    }
    if (newRS) this.scaleTo(newRS, this.d.spec.replicas);
    if (deploymentComplete(this.d, this.d.status ?? {})) this.cleanup(oldRSs);
    this.syncRolloutStatus(all, newRS);
  }

  /** Whether an old RS still counts replicas, or any of its pods is not finished (terminating ones too). */
  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
    if (sumActual(oldRSs) > 0) return true;
    for (const [uid, pods] of this.input.podsByReplicaSet) {
      if (newRS && newRS.metadata.uid === uid) continue;
      if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
    }
    return false;
  }

  private syncRolloutStatus(all: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): void {
    const { status, requeueAfterMs } = rolloutStatus(all, newRS, this.d, this.now);
    this.status = status;
    this.requeueAfterMs = requeueAfterMs;
  }

  /**
   * cleanupDeployment: keeps revisionHistoryLimit old RSs; older ones that are scaled to 0, have no
   * pods and whose status is current are deleted, oldest revision first.
   */
  private cleanup(oldRSs: readonly ReplicaSet[]): void {
    const d = this.d;
    if (!hasRevisionHistoryLimit(d)) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp).sort(byRevision);
    const diff = cleanable.length - d.spec.revisionHistoryLimit;
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i];
      if (!rs) break;
      const stale = (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || this.specChanged.has(rs.metadata.name ?? '');
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || stale || this.actionByName.has(rs.metadata.name ?? '')) continue;
      const action: ReplicaSetAction = { op: 'delete', rs };
      this.actions.push(action);
      this.actionByName.set(rs.metadata.name ?? '', action);
    }
  }
}
