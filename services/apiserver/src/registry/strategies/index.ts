// Every kind the apiserver serves, by resource name. A new kind is a row in @skiff/api's
// RESOURCES and a strategy here.

import type { KubeObject } from '@skiff/api';
import type { Strategy } from '../strategy.js';
import { eventStrategy } from './event.js';
import { leaseStrategy } from './lease.js';
import { namespaceStrategy } from './namespace.js';
import { nodeStrategy } from './node.js';
import { podStrategy } from './pod.js';
import { replicaSetStrategy } from './replicaset.js';

export const STRATEGIES: ReadonlyMap<string, Strategy<KubeObject>> = new Map(
  ([namespaceStrategy, nodeStrategy, podStrategy, replicaSetStrategy, eventStrategy, leaseStrategy] as unknown as Strategy<KubeObject>[]).map((s) => [
    s.info.resource,
    s,
  ]),
);
