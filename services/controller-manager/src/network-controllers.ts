// The networking controllers of one leadership term (issue 5): endpoint, endpointslice,
// endpointslicemirroring, nodeipam and service-lb-controller, built on the shared informers.
// Each starts only if the apiserver serves the kinds it watches (else a warning), as
// kube-controller-manager's discovery check, so an unserved kind never holds the others back.

import { DEFAULT_CLUSTER_CIDR, DEFAULT_NODE_CIDR_MASK_SIZE, type Endpoints, type EndpointSlice, type Node, type Pod, type Service } from '@skiff/api';
import type { Logger } from '@skiff/component';
import { EventRecorder, type Clock, type WorkQueue } from '@skiff/machinery';
import { isServed } from './available-resources.js';
import type { ControllerName } from './controllers.js';
import { EndpointsController } from './controllers/endpoints/endpoints-controller.js';
import { EndpointSliceMirroringController } from './controllers/endpointslice-mirroring/endpointslice-mirroring-controller.js';
import { DEFAULT_MAX_ENDPOINTS_PER_SUBSET } from './controllers/endpointslice-mirroring/mirror-plan.js';
import { EndpointSliceController } from './controllers/endpointslice/endpointslice-controller.js';
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE } from './controllers/endpointslice/slice-plan.js';
import { NodeIpamController } from './controllers/node-ipam/node-ipam-controller.js';
import { ServiceLbController } from './controllers/service-lb/service-lb-controller.js';
import type { ControllerManagerClient } from './run.js';
import type { SharedInformers } from './shared-informers.js';

/** kube-controller-manager's flags for these controllers (Skiff's defaults where noted). */
export interface NetworkOptions {
  /** `--concurrent-endpoint-syncs` (5). */
  concurrentEndpointSyncs: number;
  /** `--concurrent-service-endpoint-syncs` (5): the EndpointSlice controller's workers. */
  concurrentServiceEndpointSyncs: number;
  /** `--mirroring-concurrent-service-endpoint-syncs` (5). */
  mirroringConcurrentServiceEndpointSyncs: number;
  /** `--concurrent-service-syncs` (1): the load-balancer controller's workers. */
  concurrentServiceSyncs: number;
  /** `--max-endpoints-per-slice` (100). */
  maxEndpointsPerSlice: number;
  /** `--mirroring-max-endpoints-per-subset` (1000). */
  mirroringMaxEndpointsPerSubset: number;
  /** `--allocate-node-cidrs` (true in Skiff; Kubernetes' default is false). */
  allocateNodeCidrs: boolean;
  /** `--cluster-cidr` (10.244.0.0/16). */
  clusterCidr: string;
  /** `--node-cidr-mask-size` (24). */
  nodeCidrMaskSize: number;
}

export const DEFAULT_NETWORK_OPTIONS: NetworkOptions = {
  concurrentEndpointSyncs: 5,
  concurrentServiceEndpointSyncs: 5,
  mirroringConcurrentServiceEndpointSyncs: 5,
  concurrentServiceSyncs: 1,
  maxEndpointsPerSlice: DEFAULT_MAX_ENDPOINTS_PER_SLICE,
  mirroringMaxEndpointsPerSubset: DEFAULT_MAX_ENDPOINTS_PER_SUBSET,
  allocateNodeCidrs: true,
  clusterCidr: DEFAULT_CLUSTER_CIDR,
  nodeCidrMaskSize: DEFAULT_NODE_CIDR_MASK_SIZE,
};

export interface NetworkControllersEnv {
  informers: SharedInformers;
  client: ControllerManagerClient;
  clock: Clock;
  log: Logger;
  enabled: readonly ControllerName[];
  options: Partial<NetworkOptions>;
  signal: AbortSignal;
  /** Feeds a queue into the workqueue metrics. */
  instrument: (queue: WorkQueue) => void;
}

/** Builds the enabled networking controllers; returns their worker loops (run after the caches synced). */
export async function networkControllers(env: NetworkControllersEnv): Promise<(() => Promise<void>)[]> {
  const { informers, client, clock, log, enabled, signal } = env;
  const o: NetworkOptions = { ...DEFAULT_NETWORK_OPTIONS, ...env.options };
  const workers: (() => Promise<void>)[] = [];
  const add = (c: { queue: WorkQueue; run(signal: AbortSignal, workers: number): Promise<void> }, n: number): void => {
    env.instrument(c.queue);
    workers.push(() => c.run(signal, n));
  };
  const recorder = (component: string): EventRecorder => new EventRecorder(client, { component }, log, clock);
  const wanted = (['endpoint', 'endpointslice', 'endpointslicemirroring', 'service-lb-controller'] as const).filter((n) => enabled.includes(n));
  const served = new Map<string, boolean>();
  for (const r of wanted.length > 0 ? ['services', 'endpoints', 'endpointslices'] : []) served.set(r, await isServed(client, r));
  const serves = (name: ControllerName, resources: readonly string[]): boolean => {
    const missing = resources.filter((r) => served.get(r) !== true);
    if (missing.length > 0) log.warn({ controller: name, missing }, `the apiserver does not serve ${missing.join(', ')}: ${name} controller not started`);
    return missing.length === 0;
  };

  if (enabled.includes('endpoint') && serves('endpoint', ['services', 'endpoints'])) {
    add(new EndpointsController({
      services: informers.for<Service>('services'),
      pods: informers.for<Pod>('pods'),
      endpoints: informers.for<Endpoints>('endpoints'),
      client,
      recorder: recorder('endpoint-controller'),
      clock,
      log,
    }), o.concurrentEndpointSyncs);
  }
  if (enabled.includes('endpointslice') && serves('endpointslice', ['services', 'endpointslices'])) {
    add(new EndpointSliceController({
      services: informers.for<Service>('services'),
      pods: informers.for<Pod>('pods'),
      slices: informers.for<EndpointSlice>('endpointslices'),
      nodes: informers.for<Node>('nodes'),
      client,
      clock,
      log,
      maxEndpointsPerSlice: o.maxEndpointsPerSlice,
    }), o.concurrentServiceEndpointSyncs);
  }
  if (enabled.includes('endpointslicemirroring') && serves('endpointslicemirroring', ['services', 'endpoints', 'endpointslices'])) {
    add(new EndpointSliceMirroringController({
      services: informers.for<Service>('services'),
      endpoints: informers.for<Endpoints>('endpoints'),
      slices: informers.for<EndpointSlice>('endpointslices'),
      client,
      recorder: recorder('endpointslicemirroring-controller'),
      clock,
      log,
      maxEndpointsPerSubset: o.mirroringMaxEndpointsPerSubset,
    }), o.mirroringConcurrentServiceEndpointSyncs);
  }
  if (enabled.includes('nodeipam')) {
    if (o.allocateNodeCidrs) {
      add(new NodeIpamController({
        nodes: informers.for<Node>('nodes'),
        client,
        recorder: recorder('cidrAllocator'),
        clock,
        log,
        clusterCidr: o.clusterCidr,
        nodeCidrMaskSize: o.nodeCidrMaskSize,
      }), 1);
    } else {
      log.info({ controller: 'nodeipam' }, '--allocate-node-cidrs is false: node IPAM controller not started');
    }
  }
  if (enabled.includes('service-lb-controller') && serves('service-lb-controller', ['services'])) {
    add(new ServiceLbController({
      services: informers.for<Service>('services'),
      nodes: informers.for<Node>('nodes'),
      client,
      recorder: recorder('service-controller'),
      clock,
      log,
    }), o.concurrentServiceSyncs);
  }
  return workers;
}
