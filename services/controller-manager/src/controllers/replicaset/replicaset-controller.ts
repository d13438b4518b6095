// The ReplicaSet controller, after Kubernetes' pkg/controller/replicaset/replica_set.go: informer
// handlers only enqueue ReplicaSet keys (and record what expectations have been met); `reconcile`
// reads the ReplicaSet and the pods from the caches, asks planReplicaSet what to do, and applies it
// through PodControl and the status subresource.

import { clone, controllerOf, isApiError, objectKey, selectorFromLabelSelector, type OwnerReference, type Pod, type ReplicaSet, type ReplicaSetStatus } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { indexers, runWorkers, WorkQueue, type Clock, type EventRecorder, type Informer, type ReconcileResult } from '@skiff/machinery';
import { errorMessage, isNamespaceTerminating } from '../../api-errors.js';
import { applyClaims, assertOwnerCurrent } from '../../controller-ref-manager.js';
import { controllerRefsEqual, labelsEqual } from '../../object-changes.js';
import type { PodControl } from '../../pod-control.js';
import { ControllerExpectations } from './expectations.js';
import { isPodReady } from './pod-utils.js';
import { BURST_REPLICAS, controllerRefFor, planReplicaSet } from './plan.js';
import { statusChanged, withReplicaFailure } from './replicaset-status.js';
import { slowStartBatch } from './slow-start-batch.js';

export const CONTROLLER_NAME = 'replicaset';
export const NAMESPACE_INDEX = 'namespace';
export const CONTROLLER_UID_INDEX = 'controllerUid';

/** What the controller needs of an event recorder: `EventRecorder` satisfies it. */
export type EventSink = Pick<EventRecorder, 'record'>;

export interface ReplicaSetControllerDeps {
  replicaSets: Informer<ReplicaSet>;
  pods: Informer<Pod>;
  client: Pick<ApiClient, 'get' | 'updateStatus'>;
  podControl: PodControl;
  recorder: EventSink;
  clock: Clock;
  log: Logger;
  queue?: WorkQueue;
  burstReplicas?: number;
}

interface ManageFailure {
  reason: 'FailedCreate' | 'FailedDelete';
  message: string;
  error: unknown;
}

export class ReplicaSetController {
  readonly queue: WorkQueue;
  readonly expectations: ControllerExpectations;
  private readonly rsInformer: Informer<ReplicaSet>;
  private readonly podInformer: Informer<Pod>;
  private readonly log: Logger;

  constructor(private readonly deps: ReplicaSetControllerDeps) {
    this.rsInformer = deps.replicaSets;
    this.podInformer = deps.pods;
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.queue = deps.queue ?? new WorkQueue({ clock: deps.clock, name: CONTROLLER_NAME });
    this.expectations = new ControllerExpectations(deps.clock);

    this.rsInformer.addIndex(NAMESPACE_INDEX, indexers.namespace);
    this.podInformer.addIndex(NAMESPACE_INDEX, indexers.namespace);
    this.podInformer.addIndex(CONTROLLER_UID_INDEX, indexers.controllerUid);

    this.rsInformer.on({
      add: (rs) => this.enqueue(rs),
      update: (old, cur) => {
        // Same name, new object: the old one's expectations mean nothing now.
        if (old.metadata.uid !== cur.metadata.uid) this.expectations.delete(objectKey(old));
        this.enqueue(cur);
      },
      delete: (rs) => {
        this.expectations.delete(objectKey(rs));
        this.enqueue(rs);
      },
    });
    this.podInformer.on({
      add: (pod) => this.podAdded(pod),
      update: (old, cur) => this.podUpdated(old, cur),
      delete: (pod) => this.podDeleted(pod),
    });
  }

  /** Runs `workers` reconcile loops until the signal aborts. */
  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
  }

  private enqueue(rs: Readonly<ReplicaSet>): void {
    this.queue.add(objectKey(rs));
  }

  /** The ReplicaSet a controller reference points at, if it is in the cache with that uid. */
  private resolveControllerRef(namespace: string, ref: Readonly<OwnerReference>): Readonly<ReplicaSet> | undefined {
    if (ref.kind !== 'ReplicaSet') return undefined;
    const rs = this.rsInformer.get(`${namespace}/${ref.name}`);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets in the pod's namespace whose selector matches it (for orphans). */
  private replicaSetsMatching(pod: Readonly<Pod>): Readonly<ReplicaSet>[] {
    return this.rsInformer.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '').filter((rs) => {
      const selector = selectorFromLabelSelector(rs.spec.selector);
      return !selector.isEmpty() && selector.matches(pod.metadata.labels);
    });
  }

  private podAdded(pod: Readonly<Pod>): void {
    // After a restart a pod can first show up already terminating: that is a deletion to observe.
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    const ref = controllerOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata.namespace ?? '', ref);
      if (!rs) return;
      const key = objectKey(rs);
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    for (const rs of this.replicaSetsMatching(pod)) this.enqueue(rs);
  }

  private podUpdated(old: Readonly<Pod>, cur: Readonly<Pod>): void {
    const labelChanged = !labelsEqual(old.metadata.labels, cur.metadata.labels);
    if (cur.metadata.deletionTimestamp) {
      // Terminating: count it gone now, so replacements start without waiting for the kubelet.
      this.podDeleted(cur);
      if (labelChanged) this.podDeleted(old);
      return;
    }
    const curRef = controllerOf(cur);
    const oldRef = controllerOf(old);
    const refChanged = !controllerRefsEqual(curRef, oldRef);
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(old.metadata.namespace ?? '', oldRef);
      if (rs) this.enqueue(rs);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(cur.metadata.namespace ?? '', curRef);
      if (!rs) return;
      this.enqueue(rs);
      const minReadySeconds = rs.spec.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReadySeconds > 0) {
        this.queue.addAfter(objectKey(rs), minReadySeconds * 1000 + 1000);
      }
      return;
    }
    if (labelChanged || refChanged) for (const rs of this.replicaSetsMatching(cur)) this.enqueue(rs);
  }

  private podDeleted(pod: Readonly<Pod>): void {
    const ref = controllerOf(pod);
    if (!ref) return; // nobody cares about orphans going away
    const rs = this.resolveControllerRef(pod.metadata.namespace ?? '', ref);
    if (!rs) return;
    const key = objectKey(rs);
    this.expectations.deletionObserved(key, objectKey(pod));
    this.queue.add(key);
  }

  /** Pods that may concern `rs`: the ones it controls, and orphans in its namespace. */
  private candidatePods(rs: Readonly<ReplicaSet>): Readonly<Pod>[] {
    const owned = this.podInformer.byIndex(CONTROLLER_UID_INDEX, rs.metadata.uid ?? '');
    const orphans = this.podInformer.byIndex(NAMESPACE_INDEX, rs.metadata.namespace ?? '').filter((p) => controllerOf(p) === undefined);
    return [...owned, ...orphans];
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const rs = this.rsInformer.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const log = this.log.child({ key });
    const now = this.deps.clock.now();
    const satisfied = this.expectations.satisfied(key);
    const plan = planReplicaSet(rs, this.candidatePods(rs), now, {
      expectationsSatisfied: satisfied,
      burstReplicas: this.deps.burstReplicas ?? BURST_REPLICAS,
    });

    await this.claim(rs, plan.adopt, plan.release, log);

    let failure: ManageFailure | undefined;
    if (plan.create > 0) {
      log.info({ need: rs.spec.replicas ?? 1, creating: plan.create }, 'too few replicas');
      failure = await this.createPods(key, rs, plan.create);
    } else if (plan.delete.length > 0) {
      log.info({ need: rs.spec.replicas ?? 1, deleting: plan.delete.length }, 'too many replicas');
      failure = await this.deletePods(key, rs, plan.delete);
    }

    await this.writeStatus(rs, withReplicaFailure(plan.status, failure, now), log);
    if (failure) throw failure.error;

    const waits = [plan.requeueAfterMs, this.expectations.msUntilExpiry(key)].filter((w): w is number => w !== undefined);
    return waits.length > 0 ? { requeueAfterMs: Math.min(...waits) } : undefined;
  }

  /** Adopts matching orphans and releases owned pods that no longer match (ClaimPods). */
  private claim(rs: Readonly<ReplicaSet>, adopt: readonly Readonly<Pod>[], release: readonly Readonly<Pod>[], log: Logger): Promise<void> {
    const namespace = rs.metadata.namespace ?? '';
    return applyClaims({
      ref: controllerRefFor(rs),
      adopt,
      release,
      recheckOwner: async () => assertOwnerCurrent(rs, await this.deps.client.get<ReplicaSet>('replicasets', namespace, rs.metadata.name ?? '')),
      patch: (pod, patch) => this.deps.podControl.patchPod(namespace, pod.metadata.name ?? '', patch),
      log,
    });
  }

  private async createPods(key: string, rs: Readonly<ReplicaSet>, count: number): Promise<ManageFailure | undefined> {
    const namespace = rs.metadata.namespace ?? '';
    const ref = controllerRefFor(rs);
    const { podControl, recorder } = this.deps;
    this.expectations.expectCreations(key, count);
    const { successes, errors } = await slowStartBatch(count, async () => {
      try {
        const pod = await podControl.createPod(namespace, rs.spec.template, ref);
        recorder.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
      } catch (e) {
        if (isNamespaceTerminating(e)) {
          // The namespace is going away with this ReplicaSet in it: nothing to report or retry.
          this.expectations.creationObserved(key);
          return;
        }
        recorder.record(rs, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(e)}`);
        throw e;
      }
    });
    // The informer will never see the pods that were skipped or failed: stop waiting for them.
    for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
    if (errors.length === 0) return undefined;
    return { reason: 'FailedCreate', message: errorMessage(errors[0]), error: errors[0] };
  }

  private async deletePods(key: string, rs: Readonly<ReplicaSet>, pods: readonly Readonly<Pod>[]): Promise<ManageFailure | undefined> {
    const namespace = rs.metadata.namespace ?? '';
    const { podControl, recorder } = this.deps;
    this.expectations.expectDeletions(key, pods.map((p) => objectKey(p)));
    const errors: unknown[] = [];
    await Promise.all(
      pods.map(async (pod) => {
        const name = pod.metadata.name ?? '';
        try {
          await podControl.deletePod(namespace, name);
          recorder.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, objectKey(pod));
          if (isApiError(e, 'NotFound')) return;
          recorder.record(rs, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(e)}`);
          errors.push(e);
        }
      }),
    );
    if (errors.length === 0) return undefined;
    return { reason: 'FailedDelete', message: errorMessage(errors[0]), error: errors[0] };
  }

  /** Writes status only when it changed; one retry on a stale resourceVersion, as Kubernetes. */
  private async writeStatus(rs: Readonly<ReplicaSet>, status: ReplicaSetStatus, log: Logger): Promise<void> {
    if (!statusChanged(rs.status, status)) return;
    const next: ReplicaSet = { ...clone(rs) as ReplicaSet, status };
    try {
      await this.deps.client.updateStatus('replicasets', next);
    } catch (e) {
      if (isApiError(e, 'NotFound')) return;
      if (!isApiError(e, 'Conflict')) throw e;
      const fresh = await this.deps.client.get<ReplicaSet>('replicasets', rs.metadata.namespace ?? '', rs.metadata.name ?? '');
      if (fresh.metadata.uid !== rs.metadata.uid) return;
      log.debug('status conflict, retrying once on the latest version');
      await this.deps.client.updateStatus('replicasets', { ...fresh, status });
    }
  }
}
