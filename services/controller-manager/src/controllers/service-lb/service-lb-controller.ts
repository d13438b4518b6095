// Skiff's load-balancer controller, after Kubernetes' service controller
// (staging/src/k8s.io/cloud-provider/controllers/service/controller.go) with the node addresses
// standing in for a cloud: a LoadBalancer Service's status.loadBalancer.ingress lists the
// InternalIP of every Ready, schedulable node (planLoadBalancer), and follows nodes as they come,
// go, turn (un)ready or are cordoned; a Service whose type changes away has it cleared. Events as
// Kubernetes': EnsuringLoadBalancer / EnsuredLoadBalancer, UpdatedLoadBalancer, DeletedLoadBalancer.
// No load-balancer-cleanup finalizer: there is nothing outside the cluster to clean up.

import { clone, isApiError, objectKey, type Node, type Service } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { runWorkers, WorkQueue, type Clock, type EventRecorder, type Informer, type ReconcileResult } from '@skiff/machinery';
import { isManagedLoadBalancer, nodeTargetAddress, planLoadBalancer } from './lb-status.js';

export const CONTROLLER_NAME = 'service-lb-controller';
/** client-go's queue name for the service controller. */
const QUEUE_NAME = 'service';

export interface ServiceLbControllerDeps {
  services: Informer<Service>;
  nodes: Informer<Node>;
  client: Pick<ApiClient, 'updateStatus'>;
  recorder: Pick<EventRecorder, 'record'>;
  clock: Clock;
  log: Logger;
}

export class ServiceLbController {
  readonly queue: WorkQueue;
  private readonly log: Logger;

  constructor(private readonly deps: ServiceLbControllerDeps) {
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.queue = new WorkQueue({ clock: deps.clock, name: QUEUE_NAME });
    deps.services.on({
      add: (svc) => this.enqueueIfConcerned(svc),
      update: (old, svc) => {
        if (old.spec.type !== svc.spec.type || old.spec.loadBalancerClass !== svc.spec.loadBalancerClass || isManagedLoadBalancer(svc)) this.queue.add(objectKey(svc));
      },
    });
    deps.nodes.on({
      add: () => this.enqueueAll(),
      update: (old, node) => {
        if (nodeTargetAddress(old) !== nodeTargetAddress(node)) this.enqueueAll();
      },
      delete: () => this.enqueueAll(),
    });
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
  }

  /** A LoadBalancer Service, or one that still shows load-balancer addresses. */
  private enqueueIfConcerned(svc: Readonly<Service>): void {
    if (isManagedLoadBalancer(svc) || (svc.status?.loadBalancer?.ingress?.length ?? 0) > 0) this.queue.add(objectKey(svc));
  }

  private enqueueAll(): void {
    for (const svc of this.deps.services.list()) if (isManagedLoadBalancer(svc)) this.queue.add(objectKey(svc));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const svc = this.deps.services.get(key);
    if (!svc || svc.metadata.deletionTimestamp) return;
    const plan = planLoadBalancer(svc, this.deps.nodes.list());
    if (plan.action === 'none') return;
    const { recorder } = this.deps;
    if (plan.action === 'ensure' && plan.first) recorder.record(svc, 'Normal', 'EnsuringLoadBalancer', 'Ensuring load balancer');
    const next: Service = { ...(clone(svc) as Service), status: { ...clone(svc.status), loadBalancer: plan.loadBalancer } };
    try {
      await this.deps.client.updateStatus('services', next);
    } catch (e) {
      if (isApiError(e, 'NotFound')) return;
      throw e;
    }
    const ips = (plan.loadBalancer.ingress ?? []).map((i) => i.ip).join(', ');
    this.log.info({ key, ingress: ips }, plan.action === 'clear' ? 'cleared load balancer status' : 'load balancer status updated');
    if (plan.action === 'clear') recorder.record(svc, 'Normal', 'DeletedLoadBalancer', 'Deleted load balancer');
    else if (plan.first) recorder.record(svc, 'Normal', 'EnsuredLoadBalancer', 'Ensured load balancer');
    else recorder.record(svc, 'Normal', 'UpdatedLoadBalancer', 'Updated load balancer with new hosts');
  }
}
