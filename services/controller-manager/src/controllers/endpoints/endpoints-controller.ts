// The endpoints controller, after Kubernetes' pkg/controller/endpoint/endpoints_controller.go:
// informer handlers enqueue Service keys (a pod event → the Services whose selector matches it
// before or after, only when something an endpoint shows changed); `reconcile` computes the
// Endpoints of a Service with a selector from the pod cache (planEndpoints) and creates or updates
// them only when they differ. Services without a selector are left alone: users (and the DNS
// server) write their Endpoints. The Endpoints of a deleted Service are deleted when this
// controller wrote them (label endpoints.kubernetes.io/managed-by=endpoint-controller), including
// ones left behind while it was down (seen on start-up, as checkLeftoverEndpoints).

import { isApiError, objectKey, splitKey, type Endpoints, type Pod, type Service } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { runWorkers, WorkQueue, type Clock, type EventRecorder, type Informer, type ReconcileResult } from '@skiff/machinery';
import { errorMessage, isNamespaceTerminating } from '../../api-errors.js';
import { ENDPOINT_CONTROLLER_NAME, LABEL_ENDPOINTS_MANAGED_BY, planEndpoints } from './endpoints-plan.js';
import { podsSelectedBy, watchServicesAndPods } from './service-pod-handlers.js';
import { hasSelector } from './service-pods.js';

export const CONTROLLER_NAME = 'endpoint';

export interface EndpointsControllerDeps {
  services: Informer<Service>;
  pods: Informer<Pod>;
  endpoints: Informer<Endpoints>;
  client: Pick<ApiClient, 'create' | 'update' | 'delete'>;
  recorder: Pick<EventRecorder, 'record'>;
  clock: Clock;
  log: Logger;
}

export function isManagedEndpoints(ep: Readonly<Endpoints>): boolean {
  return ep.metadata.labels?.[LABEL_ENDPOINTS_MANAGED_BY] === ENDPOINT_CONTROLLER_NAME;
}

export class EndpointsController {
  readonly queue: WorkQueue;
  private readonly log: Logger;

  constructor(private readonly deps: EndpointsControllerDeps) {
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.queue = new WorkQueue({ clock: deps.clock, name: CONTROLLER_NAME });
    watchServicesAndPods(deps, (key) => this.queue.add(key));
    deps.endpoints.on({
      // Ours seen on start-up (or recreated): its Service may be gone. A deletion: recreate it.
      add: (ep) => {
        if (isManagedEndpoints(ep)) this.queue.add(objectKey(ep));
      },
      delete: (ep) => this.queue.add(objectKey(ep)),
    });
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitKey(key);
    const svc = this.deps.services.get(key);
    const current = this.deps.endpoints.get(key);
    if (!svc) {
      if (current && isManagedEndpoints(current)) await this.deleteEndpoints(current);
      return;
    }
    // ExternalName Services and Services without a selector get no endpoints from this controller.
    if (svc.spec.type === 'ExternalName' || !hasSelector(svc)) return;

    const plan = planEndpoints(svc, podsSelectedBy(this.deps.pods, svc), current);
    if (plan.action === 'none') return;
    const log = this.log.child({ key });
    try {
      if (plan.action === 'create') await this.deps.client.create('endpoints', plan.endpoints);
      else await this.deps.client.update('endpoints', plan.endpoints);
      log.debug({ action: plan.action, subsets: plan.endpoints.subsets?.length ?? 0 }, 'endpoints written');
    } catch (e) {
      // The namespace is going away with the Service: every create fails from now on.
      if (plan.action === 'create' && isNamespaceTerminating(e)) return;
      // A cache behind our own last write: retried once it caught up.
      if (isApiError(e, 'Conflict') || isApiError(e, 'AlreadyExists')) throw e;
      if (plan.action === 'create') this.deps.recorder.record(svc, 'Warning', 'FailedToCreateEndpoint', `Failed to create endpoint for service ${namespace}/${name}: ${errorMessage(e)}`);
      else this.deps.recorder.record(svc, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${namespace}/${name}: ${errorMessage(e)}`);
      throw e;
    }
  }

  private async deleteEndpoints(ep: Readonly<Endpoints>): Promise<void> {
    try {
      await this.deps.client.delete('endpoints', ep.metadata.namespace ?? '', ep.metadata.name ?? '', { preconditions: { uid: ep.metadata.uid ?? '' } });
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
    }
  }
}
