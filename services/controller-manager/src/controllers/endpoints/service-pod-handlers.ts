// The informer wiring the endpoints and EndpointSlice controllers share: a Service event enqueues
// the Service; a pod event enqueues the Services it is (or was) selected by, when something an
// endpoint shows changed (servicesToUpdate). Pods and Services are indexed by namespace.

import { indexers, type Informer } from '@skiff/machinery';
import { objectKey, type Pod, type Service } from '@skiff/api';
import { selects, servicesToUpdate } from './service-pods.js';

const NAMESPACE_INDEX = 'namespace';

export interface ServicePodInformers {
  services: Informer<Service>;
  pods: Informer<Pod>;
}

/** Enqueues Service keys on Service and pod events. */
export function watchServicesAndPods({ services, pods }: ServicePodInformers, enqueue: (key: string) => void): void {
  services.addIndex(NAMESPACE_INDEX, indexers.namespace);
  pods.addIndex(NAMESPACE_INDEX, indexers.namespace);
  const svcEvent = (svc: Readonly<Service>): void => enqueue(objectKey(svc));
  services.on({ add: svcEvent, update: (_old, svc) => svcEvent(svc), delete: svcEvent });
  pods.on({
    add: (pod) => enqueueForPod(services, undefined, pod, enqueue),
    update: (old, pod) => enqueueForPod(services, old, pod, enqueue),
    delete: (pod) => enqueueForPod(services, undefined, pod, enqueue),
  });
}

/** Enqueues the Services a pod event concerns. */
export function enqueueForPod(services: Informer<Service>, old: Readonly<Pod> | undefined, pod: Readonly<Pod>, enqueue: (key: string) => void): void {
  for (const key of servicesToUpdate(services.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? ''), old, pod)) enqueue(key);
}

/** The pods of the Service's namespace its selector matches. */
export function podsSelectedBy(pods: Informer<Pod>, svc: Readonly<Service>): Readonly<Pod>[] {
  return pods.byIndex(NAMESPACE_INDEX, svc.metadata.namespace ?? '').filter((p) => selects(svc, p.metadata.labels));
}
