// kube-controller-manager's flags as Skiff takes them, turned into a config. Pure, so it is tested
// without a process; main.ts reports a thrown FlagError and exits 2.

import { parseDurationMs } from '@skiff/component';
import { enabledControllers } from './controllers.js';
import { DEFAULT_NODE_LIFECYCLE_OPTIONS, type NodeLifecycleOptions } from './controllers/node-lifecycle/node-lifecycle-controller.js';
import { CidrSet } from './controllers/node-ipam/cidr-set.js';
import { DEFAULT_NETWORK_OPTIONS, type NetworkOptions } from './network-controllers.js';
import { DEFAULT_CONFIG, type ControllerManagerConfig } from './run.js';

export class FlagError extends Error {}

/** `--leader-elect` alone means true, as a Go bool flag; `--leader-elect=false` turns it off. */
export function normalizeBoolFlags(argv: readonly string[], names: readonly string[]): string[] {
  return argv.map((a) => (names.some((n) => a === `--${n}`) ? `${a}=true` : a));
}

function bool(name: string, value: string | boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw new FlagError(`--${name} must be true or false, got "${String(value)}"`);
}

function int(name: string, value: string | boolean | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min) throw new FlagError(`--${name} must be an integer >= ${min}, got "${String(value)}"`);
  return n;
}

function duration(name: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' ? parseDurationMs(value) : undefined;
  if (ms === undefined || ms <= 0) throw new FlagError(`--${name} must be a positive duration such as 40s or 1m, got "${String(value)}"`);
  return ms;
}

function num(name: string, value: string | boolean | undefined, fallback: number, max = Infinity): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > max) throw new FlagError(`--${name} must be a number from 0${max === Infinity ? '' : ` to ${max}`}, got "${String(value)}"`);
  return n;
}

/** The node lifecycle controller's flags (kube-controller-manager's names and defaults). */
function nodeLifecycleFromFlags(flags: Record<string, string | boolean | undefined>): NodeLifecycleOptions {
  const d = DEFAULT_NODE_LIFECYCLE_OPTIONS;
  return {
    nodeMonitorPeriodMs: duration('node-monitor-period', flags['node-monitor-period'], d.nodeMonitorPeriodMs),
    nodeMonitorGracePeriodMs: duration('node-monitor-grace-period', flags['node-monitor-grace-period'], d.nodeMonitorGracePeriodMs),
    nodeStartupGracePeriodMs: duration('node-startup-grace-period', flags['node-startup-grace-period'], d.nodeStartupGracePeriodMs),
    nodeEvictionRate: num('node-eviction-rate', flags['node-eviction-rate'], d.nodeEvictionRate),
    secondaryNodeEvictionRate: num('secondary-node-eviction-rate', flags['secondary-node-eviction-rate'], d.secondaryNodeEvictionRate),
    largeClusterSizeThreshold: int('large-cluster-size-threshold', flags['large-cluster-size-threshold'], d.largeClusterSizeThreshold, 0),
    unhealthyZoneThreshold: num('unhealthy-zone-threshold', flags['unhealthy-zone-threshold'], d.unhealthyZoneThreshold, 1),
  };
}

/** The networking controllers' flags (kube-controller-manager's names; `--allocate-node-cidrs` defaults to true here). */
function networkFromFlags(flags: Record<string, string | boolean | undefined>): NetworkOptions {
  const d = DEFAULT_NETWORK_OPTIONS;
  const clusterCidr = typeof flags['cluster-cidr'] === 'string' ? flags['cluster-cidr'] : d.clusterCidr;
  const nodeCidrMaskSize = int('node-cidr-mask-size', flags['node-cidr-mask-size'], d.nodeCidrMaskSize, 1);
  const allocateNodeCidrs = bool('allocate-node-cidrs', flags['allocate-node-cidrs'], d.allocateNodeCidrs);
  if (allocateNodeCidrs) {
    try {
      new CidrSet(clusterCidr, nodeCidrMaskSize);
    } catch (e) {
      throw new FlagError(`--cluster-cidr/--node-cidr-mask-size: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return {
    concurrentEndpointSyncs: int('concurrent-endpoint-syncs', flags['concurrent-endpoint-syncs'], d.concurrentEndpointSyncs, 1),
    concurrentServiceEndpointSyncs: int('concurrent-service-endpoint-syncs', flags['concurrent-service-endpoint-syncs'], d.concurrentServiceEndpointSyncs, 1),
    mirroringConcurrentServiceEndpointSyncs: int('mirroring-concurrent-service-endpoint-syncs', flags['mirroring-concurrent-service-endpoint-syncs'], d.mirroringConcurrentServiceEndpointSyncs, 1),
    concurrentServiceSyncs: int('concurrent-service-syncs', flags['concurrent-service-syncs'], d.concurrentServiceSyncs, 1),
    maxEndpointsPerSlice: int('max-endpoints-per-slice', flags['max-endpoints-per-slice'], d.maxEndpointsPerSlice, 1),
    mirroringMaxEndpointsPerSubset: int('mirroring-max-endpoints-per-subset', flags['mirroring-max-endpoints-per-subset'], d.mirroringMaxEndpointsPerSubset, 1),
    allocateNodeCidrs,
    clusterCidr,
    nodeCidrMaskSize,
  };
}

export function configFromFlags(flags: Record<string, string | boolean | undefined>): ControllerManagerConfig {
  const str = (name: string): string | undefined => (typeof flags[name] === 'string' ? flags[name] : undefined);
  const controllers = str('controllers') ?? '*';
  try {
    enabledControllers(controllers);
  } catch (e) {
    throw new FlagError(`--controllers: ${e instanceof Error ? e.message : String(e)}`);
  }
  return {
    apiserver: str('apiserver') ?? DEFAULT_CONFIG.apiserver,
    bindAddress: str('bind-address') ?? DEFAULT_CONFIG.bindAddress,
    httpPort: int('http-port', flags['http-port'], DEFAULT_CONFIG.httpPort, 0),
    leaderElect: bool('leader-elect', flags['leader-elect'], DEFAULT_CONFIG.leaderElect),
    controllers,
    concurrentReplicaSetSyncs: int('concurrent-replicaset-syncs', flags['concurrent-replicaset-syncs'], DEFAULT_CONFIG.concurrentReplicaSetSyncs, 1),
    concurrentDeploymentSyncs: int('concurrent-deployment-syncs', flags['concurrent-deployment-syncs'], DEFAULT_CONFIG.concurrentDeploymentSyncs, 1),
    concurrentNamespaceSyncs: int('concurrent-namespace-syncs', flags['concurrent-namespace-syncs'], DEFAULT_CONFIG.concurrentNamespaceSyncs, 1),
    concurrentGcSyncs: int('concurrent-gc-syncs', flags['concurrent-gc-syncs'], DEFAULT_CONFIG.concurrentGcSyncs, 1),
    nodeLifecycle: nodeLifecycleFromFlags(flags),
    network: networkFromFlags(flags),
  };
}

export const FLAG_SPEC = {
  apiserver: { type: 'string' },
  'bind-address': { type: 'string' },
  'http-port': { type: 'string' },
  'leader-elect': { type: 'string' },
  controllers: { type: 'string' },
  'concurrent-replicaset-syncs': { type: 'string' },
  'concurrent-deployment-syncs': { type: 'string' },
  'concurrent-namespace-syncs': { type: 'string' },
  'concurrent-gc-syncs': { type: 'string' },
  'node-monitor-period': { type: 'string' },
  'node-monitor-grace-period': { type: 'string' },
  'node-startup-grace-period': { type: 'string' },
  'node-eviction-rate': { type: 'string' },
  'secondary-node-eviction-rate': { type: 'string' },
  'large-cluster-size-threshold': { type: 'string' },
  'unhealthy-zone-threshold': { type: 'string' },
  'concurrent-endpoint-syncs': { type: 'string' },
  'concurrent-service-endpoint-syncs': { type: 'string' },
  'mirroring-concurrent-service-endpoint-syncs': { type: 'string' },
  'concurrent-service-syncs': { type: 'string' },
  'max-endpoints-per-slice': { type: 'string' },
  'mirroring-max-endpoints-per-subset': { type: 'string' },
  'allocate-node-cidrs': { type: 'string' },
  'cluster-cidr': { type: 'string' },
  'node-cidr-mask-size': { type: 'string' },
} as const;
