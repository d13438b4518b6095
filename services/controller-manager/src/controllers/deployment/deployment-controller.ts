// The Deployment controller, after Kubernetes' pkg/controller/deployment/deployment_controller.go:
// informer handlers only enqueue Deployment keys; `reconcile` claims the ReplicaSets the Deployment
// selects (adoption and release through controller references), asks planDeployment what to do
// and applies it: ReplicaSet creates, updates and deletes in order, ScalingReplicaSet events, the
// revision annotation and the status.

import {
  clone,
  controllerOf,
  isApiError,
  objectKey,
  selectorFromLabelSelector,
  type Deployment,
  type DeploymentStatus,
  type OwnerReference,
  type Pod,
  type ReplicaSet,
} from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { indexers, runWorkers, WorkQueue, type Clock, type EventRecorder, type Informer, type ReconcileResult } from '@skiff/machinery';
import { errorMessage, isNamespaceTerminating } from '../../api-errors.js';
import { applyClaims, assertOwnerCurrent, claimObjects } from '../../controller-ref-manager.js';
import { controllerRefsEqual, labelsEqual } from '../../object-changes.js';
import { hasProgressDeadline, withDefaults } from './fenceposts.js';
import { newCondition, PROGRESSING, REASONS, setCondition } from './deployment-status.js';
import { equalIgnoreHash } from './pod-template-hash.js';
import { controllerRefForDeployment, planDeployment, scalingMessage, type DeploymentPlan, type ReplicaSetAction } from './plan.js';
import { REVISION_ANNOTATION } from './replica-sets.js';

export const CONTROLLER_NAME = 'deployment';
export const NAMESPACE_INDEX = 'namespace';
export const CONTROLLER_UID_INDEX = 'controllerUid';

export interface DeploymentControllerDeps {
  deployments: Informer<Deployment>;
  replicaSets: Informer<ReplicaSet>;
  pods: Informer<Pod>;
  client: Pick<ApiClient, 'get' | 'create' | 'update' | 'updateStatus' | 'patch' | 'delete'>;
  recorder: Pick<EventRecorder, 'record'>;
  clock: Clock;
  log: Logger;
  queue?: WorkQueue;
}

export class DeploymentController {
  readonly queue: WorkQueue;
  private readonly log: Logger;

  constructor(private readonly deps: DeploymentControllerDeps) {
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.queue = deps.queue ?? new WorkQueue({ clock: deps.clock, name: CONTROLLER_NAME });

    deps.deployments.addIndex(NAMESPACE_INDEX, indexers.namespace);
    deps.replicaSets.addIndex(NAMESPACE_INDEX, indexers.namespace);
    deps.pods.addIndex(CONTROLLER_UID_INDEX, indexers.controllerUid);

    deps.deployments.on({
      add: (d) => this.enqueue(d),
      update: (_old, cur) => this.enqueue(cur),
      delete: (d) => this.enqueue(d),
    });
    deps.replicaSets.on({
      add: (rs) => this.replicaSetAdded(rs),
      update: (old, cur) => this.replicaSetUpdated(old, cur),
      delete: (rs) => this.replicaSetDeleted(rs),
    });
    deps.pods.on({ delete: (pod) => this.podDeleted(pod) });
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
  }

  private enqueue(d: Readonly<Deployment>): void {
    this.queue.add(objectKey(d));
  }

  // ---- handlers: they only find the Deployments to wake ----

  private resolveControllerRef(namespace: string, ref: Readonly<OwnerReference>): Readonly<Deployment> | undefined {
    if (ref.kind !== 'Deployment') return undefined;
    const d = this.deps.deployments.get(`${namespace}/${ref.name}`);
    return d && d.metadata.uid === ref.uid ? d : undefined;
  }

  /** Deployments in the RS's namespace whose selector matches it (getDeploymentsForReplicaSet). */
  private deploymentsMatching(rs: Readonly<ReplicaSet>): Readonly<Deployment>[] {
    if (Object.keys(rs.metadata.labels ?? {}).length === 0) return [];
    return this.deps.deployments.byIndex(NAMESPACE_INDEX, rs.metadata.namespace ?? '').filter((d) => {
      const selector = selectorFromLabelSelector(d.spec.selector);
      return !selector.isEmpty() && selector.matches(rs.metadata.labels);
    });
  }

  private replicaSetAdded(rs: Readonly<ReplicaSet>): void {
    if (rs.metadata.deletionTimestamp) return this.replicaSetDeleted(rs);
    const ref = controllerOf(rs);
    if (ref) {
      const d = this.resolveControllerRef(rs.metadata.namespace ?? '', ref);
      if (d) this.enqueue(d);
      return;
    }
    for (const d of this.deploymentsMatching(rs)) this.enqueue(d);
  }

  private replicaSetUpdated(old: Readonly<ReplicaSet>, cur: Readonly<ReplicaSet>): void {
    if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = !controllerRefsEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const d = this.resolveControllerRef(old.metadata.namespace ?? '', oldRef);
      if (d) this.enqueue(d);
    }
    if (curRef) {
      const d = this.resolveControllerRef(cur.metadata.namespace ?? '', curRef);
      if (d) this.enqueue(d);
      return;
    }
    if (refChanged || !labelsEqual(old.metadata.labels, cur.metadata.labels)) for (const d of this.deploymentsMatching(cur)) this.enqueue(d);
  }

  private replicaSetDeleted(rs: Readonly<ReplicaSet>): void {
    const ref = controllerOf(rs);
    const d = ref && this.resolveControllerRef(rs.metadata.namespace ?? '', ref);
    if (d) this.enqueue(d);
  }

  /** A Recreate Deployment waits for its old pods to be gone: wake it when one goes. */
  private podDeleted(pod: Readonly<Pod>): void {
    const ref = controllerOf(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.deps.replicaSets.get(`${pod.metadata.namespace ?? ''}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return;
    const dRef = controllerOf(rs);
    const d = dRef && this.resolveControllerRef(rs.metadata.namespace ?? '', dRef);
    if (d && d.spec.strategy?.type === 'Recreate') this.enqueue(d);
  }

  // ---- reconcile ----

  async reconcile(key: string): Promise<ReconcileResult> {
    const cached = this.deps.deployments.get(key);
    if (!cached) return;
    const log = this.log.child({ key });
    const replicaSets = await this.claimReplicaSets(cached, log);
    const podsByReplicaSet = new Map<string, Readonly<Pod>[]>();
    for (const rs of replicaSets) {
      const uid = rs.metadata.uid ?? '';
      podsByReplicaSet.set(uid, this.deps.pods.byIndex(CONTROLLER_UID_INDEX, uid));
    }
    const plan = planDeployment({ deployment: cached, replicaSets, podsByReplicaSet, now: this.deps.clock.now() });
    for (const w of plan.warnings) this.deps.recorder.record(cached, 'Warning', w.reason, w.message);
    const done = await this.apply(cached, plan, log);
    if (!done) return;
    return plan.requeueAfterMs !== undefined ? { requeueAfterMs: plan.requeueAfterMs } : undefined;
  }

  /** getReplicaSetsForDeployment: the RSs it controls, after adopting matching orphans and releasing the rest. */
  private async claimReplicaSets(d: Readonly<Deployment>, log: Logger): Promise<Readonly<ReplicaSet>[]> {
    const namespace = d.metadata.namespace ?? '';
    const candidates = this.deps.replicaSets.byIndex(NAMESPACE_INDEX, namespace);
    const claims = claimObjects(d, selectorFromLabelSelector(d.spec.selector), candidates, (rs) => !rs.metadata.deletionTimestamp);
    await applyClaims({
      ref: controllerRefForDeployment(d),
      adopt: claims.adopt,
      release: claims.release,
      recheckOwner: async () => assertOwnerCurrent(d, await this.deps.client.get<Deployment>('deployments', namespace, d.metadata.name ?? '')),
      patch: async (rs, patch) => void (await this.deps.client.patch('replicasets', namespace, rs.metadata.name ?? '', patch)),
      log,
    });
    return claims.owned;
  }

  /** Applies the plan in order; false when it stopped early for a reason that is not an error. */
  private async apply(d: Readonly<Deployment>, plan: DeploymentPlan, log: Logger): Promise<boolean> {
    for (const action of plan.actions) {
      if (!(await this.applyAction(d, action, log))) return false;
    }
    const namespace = d.metadata.namespace ?? '';
    const name = d.metadata.name ?? '';
    if (plan.status) {
      try {
        await this.deps.client.updateStatus('deployments', { ...(clone(d) as Deployment), status: plan.status });
      } catch (e) {
        if (isApiError(e, 'NotFound')) return false;
        throw e;
      }
    }
    if (plan.revision !== undefined) {
      // Only the revision annotation, whatever else changed meanwhile.
      await this.deps.client.patch('deployments', namespace, name, { metadata: { annotations: { [REVISION_ANNOTATION]: plan.revision } } });
    }
    return true;
  }

  private async applyAction(d: Readonly<Deployment>, action: ReplicaSetAction, log: Logger): Promise<boolean> {
    const { client, recorder } = this.deps;
    const rs = action.rs;
    const namespace = rs.metadata.namespace ?? '';
    const name = rs.metadata.name ?? '';
    switch (action.op) {
      case 'create': {
        try {
          await client.create('replicasets', rs);
        } catch (e) {
          return this.createFailed(d, rs, e, log);
        }
        log.info({ replicaSet: name, replicas: rs.spec.replicas }, 'created new replica set');
        if ((rs.spec.replicas ?? 0) > 0) recorder.record(d, 'Normal', 'ScalingReplicaSet', scalingMessage(name, 0, rs.spec.replicas ?? 0));
        return true;
      }
      case 'update': {
        await client.update('replicasets', rs);
        if (action.scaled && action.scaled.from !== action.scaled.to) {
          log.info({ replicaSet: name, from: action.scaled.from, to: action.scaled.to }, 'scaled replica set');
          recorder.record(d, 'Normal', 'ScalingReplicaSet', scalingMessage(name, action.scaled.from, action.scaled.to));
        }
        return true;
      }
      case 'delete': {
        log.info({ replicaSet: name }, 'deleting old replica set beyond revisionHistoryLimit');
        try {
          await client.delete('replicasets', namespace, name, rs.metadata.uid ? { preconditions: { uid: rs.metadata.uid } } : {});
        } catch (e) {
          if (!isApiError(e, 'NotFound') && !isApiError(e, 'Conflict')) throw e;
        }
        return true;
      }
    }
  }

  /**
   * A failed create of the new RS. AlreadyExists: ours with this template means the cache is behind
   * (its add event wakes us); anything else is a hash collision, so collisionCount goes up and the
   * next sync hashes differently. In a terminating namespace there is nothing to do. Otherwise a
   * ReplicaSetCreateError event and condition, and a retry.
   */
  private async createFailed(d: Readonly<Deployment>, rs: Readonly<ReplicaSet>, e: unknown, log: Logger): Promise<false> {
    const { client, recorder } = this.deps;
    const namespace = rs.metadata.namespace ?? '';
    const name = rs.metadata.name ?? '';
    if (isNamespaceTerminating(e)) {
      log.debug({ replicaSet: name }, 'namespace is terminating: not creating the new replica set');
      return false;
    }
    if (isApiError(e, 'AlreadyExists')) {
      const existing = await client.get<ReplicaSet>('replicasets', namespace, name);
      if (controllerOf(existing)?.uid === d.metadata.uid && equalIgnoreHash(existing.spec.template, d.spec.template)) return false;
      const status: DeploymentStatus = { ...clone(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
      log.info({ replicaSet: name, collisionCount: status.collisionCount }, 'pod-template-hash collision, bumping collisionCount');
      await client.updateStatus('deployments', { ...(clone(d) as Deployment), status });
      throw e;
    }
    const msg = `Failed to create new replica set "${name}": ${errorMessage(e)}`;
    recorder.record(d, 'Warning', REASONS.replicaSetCreateError, msg);
    const defaulted = withDefaults(d);
    if (hasProgressDeadline(defaulted)) {
      const status = clone(d.status ?? {});
      setCondition(status, newCondition(PROGRESSING, 'False', REASONS.replicaSetCreateError, msg, this.deps.clock.now()));
      await client.updateStatus('deployments', { ...(clone(d) as Deployment), status }).catch(() => undefined);
    }
    throw e;
  }
}
