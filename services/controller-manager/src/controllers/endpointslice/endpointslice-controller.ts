// The EndpointSlice controller, after Kubernetes' pkg/controller/endpointslice/
// endpointslice_controller.go with the staging k8s.io/endpointslice reconciler: informer handlers
// enqueue Service keys (pods as the endpoints controller does, slices it manages by their
// kubernetes.io/service-name label, nodes through the pods on them); `reconcile` plans the slices
// of a Service with a selector (planSlices) and writes the difference. Slices carry
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io and a controller
// reference to the Service. Skiff's garbage collector does not watch EndpointSlices, so the slices
// of a Service that is gone (or lost its selector, or became ExternalName) are deleted here.

import type { EndpointSlice, Node, Pod, Service } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { runWorkers, WorkQueue, type Clock, type Informer, type ReconcileResult } from '@skiff/machinery';
import { enqueueForPod, podsSelectedBy, watchServicesAndPods } from '../endpoints/service-pod-handlers.js';
import { hasSelector } from '../endpoints/service-pods.js';
import { LABEL_ZONE } from '../node-lifecycle/zones.js';
import { NODE_NAME_INDEX, podsByNodeName } from '../node-lifecycle/node-lifecycle-controller.js';
import { applySlices, deleteSlices } from './apply-slices.js';
import { managedSlicesOf, watchManagedSlices } from './managed-slices.js';
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE, ENDPOINTSLICE_CONTROLLER_NAME, planSlices } from './slice-plan.js';
import { SliceTracker } from './slice-tracker.js';

export const CONTROLLER_NAME = 'endpointslice';
/** client-go's queue name for this controller. */
const QUEUE_NAME = 'endpoint_slice';
/** How soon a sync that found the slice cache behind its own writes looks again (the write's event usually comes first). */
const STALE_RETRY_MS = 1_000;

export interface EndpointSliceControllerDeps {
  services: Informer<Service>;
  pods: Informer<Pod>;
  slices: Informer<EndpointSlice>;
  nodes: Informer<Node>;
  client: Pick<ApiClient, 'create' | 'update' | 'delete'>;
  clock: Clock;
  log: Logger;
  /** `--max-endpoints-per-slice` (100). */
  maxEndpointsPerSlice?: number;
}

export class EndpointSliceController {
  readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly tracker: SliceTracker;

  constructor(private readonly deps: EndpointSliceControllerDeps) {
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.queue = new WorkQueue({ clock: deps.clock, name: QUEUE_NAME });
    this.tracker = new SliceTracker(deps.clock);
    deps.pods.addIndex(NODE_NAME_INDEX, podsByNodeName);
    const enqueue = (key: string): void => this.queue.add(key);
    watchServicesAndPods(deps, enqueue);
    watchManagedSlices(deps.slices, ENDPOINTSLICE_CONTROLLER_NAME, this.tracker, enqueue);
    // A pod's endpoint names its node's zone, and pods on unknown nodes wait for them.
    deps.nodes.on({
      add: (node) => this.enqueueForNode(node),
      update: (old, node) => {
        if (old.metadata.labels?.[LABEL_ZONE] !== node.metadata.labels?.[LABEL_ZONE]) this.enqueueForNode(node);
      },
      delete: (node) => this.enqueueForNode(node),
    });
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
  }

  private enqueueForNode(node: Readonly<Node>): void {
    for (const pod of this.deps.pods.byIndex(NODE_NAME_INDEX, node.metadata.name ?? '')) enqueueForPod(this.deps.services, undefined, pod, (key) => this.queue.add(key));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const slices = managedSlicesOf(this.deps.slices, key, ENDPOINTSLICE_CONTROLLER_NAME);
    if (this.tracker.isStale(key, slices)) return { requeueAfterMs: STALE_RETRY_MS };
    const svc = this.deps.services.get(key);
    if (!svc || svc.spec.type === 'ExternalName' || !hasSelector(svc)) {
      await deleteSlices(this.deps.client, this.tracker, key, slices);
      if (!svc) this.tracker.forget(key);
      return;
    }
    const plan = planSlices({
      service: svc,
      pods: podsSelectedBy(this.deps.pods, svc),
      node: (name) => this.deps.nodes.get(name),
      existing: slices,
      maxEndpointsPerSlice: this.deps.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE,
    });
    const changes = await applySlices(this.deps.client, this.tracker, key, plan, { ownerDeleting: svc.metadata.deletionTimestamp !== undefined });
    if (changes.created + changes.updated + changes.deleted > 0) this.log.debug({ key, ...changes }, 'endpoint slices written');
    if (plan.podsOnMissingNodes.length > 0) {
      throw new Error(`skipping pods ${plan.podsOnMissingNodes.join(', ')} for Service ${key}: their node is not known`);
    }
  }
}
