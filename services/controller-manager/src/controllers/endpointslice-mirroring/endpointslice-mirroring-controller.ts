// The EndpointSlice mirroring controller, after Kubernetes' pkg/controller/endpointslicemirroring/
// endpointslicemirroring_controller.go: the Endpoints of a Service without a selector (written by
// users, or by the DNS server for kube-dns) are mirrored into EndpointSlices managed by
// endpointslicemirroring-controller.k8s.io and controlled by the Endpoints, which is how kube-proxy,
// the DNS server and the ingress controller (readers of slices only) see them. Mirrored slices
// are deleted when the Service is gone or gains a selector, when the Endpoints go or are labelled
// endpointslice.kubernetes.io/skip-mirror=true.

import { objectKey, type Endpoints, type EndpointSlice, type Service } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { runWorkers, WorkQueue, type Clock, type EventRecorder, type Informer, type ReconcileResult } from '@skiff/machinery';
import { hasSelector } from '../endpoints/service-pods.js';
import { applySlices, deleteSlices } from '../endpointslice/apply-slices.js';
import { managedSlicesOf, watchManagedSlices } from '../endpointslice/managed-slices.js';
import { SliceTracker } from '../endpointslice/slice-tracker.js';
import { DEFAULT_MAX_ENDPOINTS_PER_SUBSET, MIRRORING_CONTROLLER_NAME, planMirror, shouldMirror } from './mirror-plan.js';

export const CONTROLLER_NAME = 'endpointslicemirroring';
const QUEUE_NAME = 'endpoint_slice_mirroring';
const STALE_RETRY_MS = 1_000;

export interface MirroringControllerDeps {
  services: Informer<Service>;
  endpoints: Informer<Endpoints>;
  slices: Informer<EndpointSlice>;
  client: Pick<ApiClient, 'create' | 'update' | 'delete'>;
  recorder: Pick<EventRecorder, 'record'>;
  clock: Clock;
  log: Logger;
  /** `--mirroring-max-endpoints-per-subset` (1000). */
  maxEndpointsPerSubset?: number;
}

export class EndpointSliceMirroringController {
  readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly tracker: SliceTracker;

  constructor(private readonly deps: MirroringControllerDeps) {
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.queue = new WorkQueue({ clock: deps.clock, name: QUEUE_NAME });
    this.tracker = new SliceTracker(deps.clock);
    const enqueue = (obj: Readonly<Endpoints | Service>): void => this.queue.add(objectKey(obj));
    deps.endpoints.on({ add: enqueue, update: (_old, ep) => enqueue(ep), delete: enqueue });
    deps.services.on({
      add: enqueue,
      // Only a selector appearing or going away changes whether Endpoints are mirrored.
      update: (old, svc) => {
        if (hasSelector(old) !== hasSelector(svc)) enqueue(svc);
      },
      delete: enqueue,
    });
    watchManagedSlices(deps.slices, MIRRORING_CONTROLLER_NAME, this.tracker, (key) => this.queue.add(key));
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const slices = managedSlicesOf(this.deps.slices, key, MIRRORING_CONTROLLER_NAME);
    if (this.tracker.isStale(key, slices)) return { requeueAfterMs: STALE_RETRY_MS };
    const svc = this.deps.services.get(key);
    const ep = this.deps.endpoints.get(key);
    if (!svc || hasSelector(svc) || !ep || !shouldMirror(ep)) {
      await deleteSlices(this.deps.client, this.tracker, key, slices);
      if (!ep) this.tracker.forget(key);
      return;
    }
    const max = this.deps.maxEndpointsPerSubset ?? DEFAULT_MAX_ENDPOINTS_PER_SUBSET;
    const plan = planMirror(ep, slices, max);
    if (plan.invalidAddresses > 0) {
      this.deps.recorder.record(ep, 'Warning', 'InvalidIPAddress', `Skipped ${plan.invalidAddresses} invalid IP addresses when mirroring to EndpointSlices`);
    }
    if (plan.skippedAddresses > 0) {
      this.deps.recorder.record(ep, 'Warning', 'TooManyAddressesToMirror', `A max of ${max} addresses can be mirrored to EndpointSlices per Endpoints subset. ${plan.skippedAddresses} addresses were skipped`);
    }
    const changes = await applySlices(this.deps.client, this.tracker, key, plan, { ownerDeleting: ep.metadata.deletionTimestamp !== undefined });
    if (changes.created + changes.updated + changes.deleted > 0) this.log.debug({ key, ...changes }, 'mirrored endpoint slices written');
  }
}
