// Every kind the apiserver serves, by resource name. A new kind is a row in @skiff/api's
// RESOURCES and a strategy here.

import type { KubeObject } from '@skiff/api';
import type { Strategy } from '../strategy.js';
import { configMapStrategy } from './configmap.js';
import { deploymentStrategy } from './deployment.js';
import { eventStrategy } from './event.js';
import { leaseStrategy } from './lease.js';
import { limitRangeStrategy } from './limitrange.js';
import { namespaceStrategy } from './namespace.js';
import { nodeStrategy } from './node.js';
import { podStrategy } from './pod.js';
import { podDisruptionBudgetStrategy } from './poddisruptionbudget.js';
import { replicaSetStrategy } from './replicaset.js';
import { resourceQuotaStrategy } from './resourcequota.js';
import { secretStrategy } from './secret.js';
import { endpointSliceStrategy } from './endpointslice.js';
import { endpointsStrategy } from './endpoints.js';
import { ingressStrategy } from './ingress.js';
import { ingressClassStrategy } from './ingressclass.js';
import { serviceStrategy } from './service.js';

/** The kinds of configuration and policy (issue 4). */
const CONFIG_STRATEGIES = [configMapStrategy, secretStrategy, limitRangeStrategy, resourceQuotaStrategy, podDisruptionBudgetStrategy];
/** The kinds of networking (issue 5). */
const NETWORK_STRATEGIES = [serviceStrategy, endpointsStrategy, endpointSliceStrategy, ingressStrategy, ingressClassStrategy];

export const STRATEGIES: ReadonlyMap<string, Strategy<KubeObject>> = new Map(
  ([namespaceStrategy, nodeStrategy, podStrategy, replicaSetStrategy, deploymentStrategy, eventStrategy, leaseStrategy, ...CONFIG_STRATEGIES, ...NETWORK_STRATEGIES] as unknown as Strategy<KubeObject>[]).map((s) => [
    s.info.resource,
    s,
  ]),
);
