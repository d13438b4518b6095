// The Service strategy's write hooks (Strategy.writeHooks): one ServiceAllocator over the
// registry's storage and the configured ranges, and its repair.

import type { Service } from '@skiff/api';
import type { StrategyEnv, WriteHooks } from '../strategy.js';
import { newClusterIPAllocator } from './cluster-ip-allocator.js';
import { newNodePortAllocator } from './node-port-allocator.js';
import { repairServiceAllocations } from './repair.js';
import { ServiceAllocator } from './service-allocator.js';

export function serviceWriteHooks(env: StrategyEnv): WriteHooks<Service> {
  const log = env.log.child({ subsystem: 'service-allocator' });
  const allocator = new ServiceAllocator(newClusterIPAllocator(env.storage, env.serviceClusterIPRange), newNodePortAllocator(env.storage, env.serviceNodePortRange), log);
  return {
    beginCreate: (svc, { dryRun }) => allocator.allocate(svc, undefined, dryRun),
    beginUpdate: (svc, old, { dryRun }) => allocator.allocate(svc, old, dryRun),
    afterDelete: (svc) => allocator.release(svc),
    repair: async () => {
      await repairServiceAllocations(env.storage, allocator, log);
    },
  };
}
