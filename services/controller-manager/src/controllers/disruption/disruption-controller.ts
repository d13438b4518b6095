// The disruption controller, after Kubernetes' pkg/controller/disruption/disruption.go: keeps each
// PodDisruptionBudget's status (expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed,
// observedGeneration, the DisruptionAllowed condition) in step with the pods it selects, and drops
// the `disruptedPods` entries the eviction subresource recorded once the pod is being deleted, gone,
// or 2 minutes have passed. The eviction subresource allows an eviction only while
// disruptionsAllowed > 0.

import { controllerOf, isApiError, objectKey, resourceForKind, selectorFromLabelSelector, type Deployment, type OwnerReference, type Pod, type PodDisruptionBudget, type ReplicaSet, type Scale } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { indexers, runWorkers, WorkQueue, type Clock, type EventRecorder, type Informer, type ReconcileResult } from '@skiff/machinery';
import { errorMessage } from '../../api-errors.js';
import { countHealthy, expectedAndDesired, failSafeStatus, liveDisruptions, pdbStatus, statusChanged, usesControllerScale, type PdbStatus } from './pdb-status.js';

export const CONTROLLER_NAME = 'disruption';
const NAMESPACE_INDEX = 'namespace';

export interface DisruptionControllerDeps {
  pdbs: Informer<PodDisruptionBudget>;
  pods: Informer<Pod>;
  replicaSets: Informer<ReplicaSet>;
  /** Live reads of Deployments and other controllers' scale; the status writes. */
  client: Pick<ApiClient, 'get' | 'updateStatus'>;
  recorder: Pick<EventRecorder, 'record'>;
  clock: Clock;
  log: Logger;
}

export class DisruptionController {
  readonly queue: WorkQueue;
  private readonly log: Logger;

  constructor(private readonly deps: DisruptionControllerDeps) {
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.queue = new WorkQueue({ clock: deps.clock, name: CONTROLLER_NAME });
    deps.pdbs.addIndex(NAMESPACE_INDEX, indexers.namespace);
    deps.pods.addIndex(NAMESPACE_INDEX, indexers.namespace);
    deps.pdbs.on({
      add: (pdb) => this.queue.add(objectKey(pdb)),
      update: (_old, pdb) => this.queue.add(objectKey(pdb)),
    });
    deps.pods.on({
      add: (pod) => this.enqueueFor(pod),
      update: (old, pod) => {
        this.enqueueFor(pod);
        this.enqueueFor(old);
      },
      delete: (pod) => this.enqueueFor(pod),
    });
    // A scaled ReplicaSet changes the expected count of budgets that go by controller scale.
    deps.replicaSets.on({
      update: (old, rs) => {
        if (old.spec.replicas !== rs.spec.replicas) this.enqueueNamespace(rs.metadata.namespace ?? '', true);
      },
    });
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
  }

  /** The budgets whose selector matches the pod (a nil selector matches nothing). */
  private budgetsFor(pod: Readonly<Pod>): Readonly<PodDisruptionBudget>[] {
    return this.deps.pdbs
      .byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')
      .filter((pdb) => pdb.spec.selector !== undefined && selectorFromLabelSelector(pdb.spec.selector).matches(pod.metadata.labels));
  }

  private enqueueFor(pod: Readonly<Pod>): void {
    for (const pdb of this.budgetsFor(pod)) this.queue.add(objectKey(pdb));
  }

  private enqueueNamespace(namespace: string, scaleOnly: boolean): void {
    for (const pdb of this.deps.pdbs.byIndex(NAMESPACE_INDEX, namespace)) if (!scaleOnly || usesControllerScale(pdb)) this.queue.add(objectKey(pdb));
  }

  private podsFor(pdb: Readonly<PodDisruptionBudget>): Readonly<Pod>[] {
    if (pdb.spec.selector === undefined) return [];
    const selector = selectorFromLabelSelector(pdb.spec.selector);
    return this.deps.pods.byIndex(NAMESPACE_INDEX, pdb.metadata.namespace ?? '').filter((p) => selector.matches(p.metadata.labels));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const pdb = this.deps.pdbs.get(key);
    if (!pdb) return;
    try {
      return await this.trySync(pdb);
    } catch (e) {
      if (isApiError(e, 'Conflict') || isApiError(e, 'NotFound')) throw e;
      this.log.warn({ key, err: errorMessage(e) }, 'could not sync PodDisruptionBudget, allowing no disruptions');
      await this.writeStatus(pdb, failSafeStatus(pdb, errorMessage(e), this.deps.clock.now()));
      throw e;
    }
  }

  private async trySync(pdb: Readonly<PodDisruptionBudget>): Promise<ReconcileResult> {
    const pods = this.podsFor(pdb);
    if (pods.length === 0) this.deps.recorder.record(pdb, 'Normal', 'NoPods', 'No matching pods found');
    let scale = 0;
    if (usesControllerScale(pdb)) {
      const { total, unmanaged } = await this.controllersScale(pods);
      scale = total;
      if (unmanaged.length > 0) {
        const selector = selectorFromLabelSelector(pdb.spec.selector).toString();
        this.deps.recorder.record(
          pdb,
          'Warning',
          'UnmanagedPods',
          `Pods selected by this PodDisruptionBudget (selector: ${selector}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
        );
      }
    }
    const { expectedCount, desiredHealthy } = expectedAndDesired(pdb, pods.length, scale);
    const now = this.deps.clock.now();
    const { disrupted, expired, recheckAt } = liveDisruptions(pods, pdb.status?.disruptedPods, now);
    for (const name of expired) {
      const pod = pods.find((p) => p.metadata.name === name);
      if (pod) this.deps.recorder.record(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${objectKey(pdb)} to be deleted but it wasn't`);
    }
    const currentHealthy = countHealthy(pods, disrupted, now);
    await this.writeStatus(pdb, pdbStatus(pdb, { currentHealthy, desiredHealthy, expectedCount, disrupted }, now));
    return recheckAt === undefined ? undefined : { requeueAfterMs: Math.max(0, recheckAt - now) };
  }

  private async writeStatus(pdb: Readonly<PodDisruptionBudget>, status: PdbStatus): Promise<void> {
    if (!statusChanged(pdb, status)) return;
    await this.deps.client.updateStatus<PodDisruptionBudget>('poddisruptionbudgets', { ...pdb, status } as PodDisruptionBudget);
  }

  /**
   * getExpectedScale: the sum of the replicas of the controllers of the pods (each counted once; a
   * ReplicaSet owned by a Deployment counts as the Deployment), and the pods without a controller.
   */
  private async controllersScale(pods: readonly Readonly<Pod>[]): Promise<{ total: number; unmanaged: string[] }> {
    const scales = new Map<string, number>();
    const seen = new Set<string>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (!ref) {
        unmanaged.push(pod.metadata.name ?? '');
        continue;
      }
      if (seen.has(ref.uid)) continue;
      seen.add(ref.uid);
      const found = await this.scaleOf(ref, pod.metadata.namespace ?? '');
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name ?? ''}"`);
      scales.set(found.uid, found.replicas);
    }
    return { total: [...scales.values()].reduce((a, b) => a + b, 0), unmanaged };
  }

  private async scaleOf(ref: Readonly<OwnerReference>, namespace: string): Promise<{ uid: string; replicas: number } | undefined> {
    const get = async <T extends Deployment | Scale>(resource: string, name: string, subresource?: string): Promise<T | undefined> => {
      try {
        return await this.deps.client.get<T>(resource, namespace, name, subresource ? { subresource } : {});
      } catch (e) {
        if (isApiError(e, 'NotFound')) return undefined;
        throw e;
      }
    };
    if (ref.kind === 'ReplicaSet') {
      const rs = this.deps.replicaSets.get(`${namespace}/${ref.name}`);
      if (!rs || rs.metadata.uid !== ref.uid) return undefined;
      const owner = controllerOf(rs);
      if (owner?.kind !== 'Deployment') return { uid: ref.uid, replicas: rs.spec.replicas ?? 1 };
      const deployment = await get<Deployment>('deployments', owner.name);
      return deployment?.metadata.uid === owner.uid ? { uid: owner.uid, replicas: deployment.spec.replicas ?? 1 } : undefined;
    }
    const info = resourceForKind(ref.apiVersion, ref.kind);
    if (!info) return undefined;
    const scale = await get<Scale>(info.resource, ref.name, 'scale');
    return scale?.metadata.uid === ref.uid ? { uid: ref.uid, replicas: scale.spec?.replicas ?? 0 } : undefined;
  }
}
