// What a Service holds outside its own key: its ClusterIP and NodePorts, taken when it is created
// or changes type, given back when it is deleted, when its write fails, or when an update drops
// them (pkg/registry/core/service/storage/alloc.go: allocateCreate, allocateUpdate, releaseIPs,
// releaseNodePorts, as one transaction whose commit releases what the old object held and whose
// revert releases what this write took). `allocate` is the one entry point, dry-run aware.

import { errors, isApiError, type Service } from '@skiff/api';
import type { Logger } from '@skiff/component';
import { storageToApiError } from '../../storage/api-errors.js';
import type { WriteTransaction } from '../strategy.js';
import { fe } from '../validation/field-errors.js';
import type { ClusterIPAllocator } from './cluster-ip-allocator.js';
import type { NodePortAllocator } from './node-port-allocator.js';
import { AllocationError, type AllocationOwner } from './range-allocator.js';

/** Every type but ExternalName has a clusterIP (an address, or "None" when headless). */
export function needsClusterIP(svc: Readonly<Service>): boolean {
  return svc.spec?.type !== 'ExternalName';
}

export function isHeadless(svc: Readonly<Service>): boolean {
  return svc.spec?.clusterIP === 'None' || svc.spec?.clusterIPs?.[0] === 'None';
}

export function needsNodePorts(svc: Readonly<Service>): boolean {
  return svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
}

/** The ClusterIP `svc` holds from the range, if any. */
export function heldClusterIP(svc: Readonly<Service>): string | undefined {
  return needsClusterIP(svc) && !isHeadless(svc) && svc.spec?.clusterIP ? svc.spec.clusterIP : undefined;
}

/** The NodePorts `svc` holds (a port number shared by its TCP and UDP ports counts once). */
export function heldNodePorts(svc: Readonly<Service>): Set<number> {
  if (!needsNodePorts(svc)) return new Set();
  return new Set((svc.spec?.ports ?? []).map((p) => p.nodePort ?? 0).filter((n) => n !== 0));
}

export function ownerOf(svc: Readonly<Service>): AllocationOwner {
  return { resource: 'services', namespace: svc.metadata.namespace ?? '', name: svc.metadata.name ?? '', uid: svc.metadata.uid ?? '' };
}

type Release = () => Promise<void>;

export class ServiceAllocator {
  constructor(
    readonly ips: ClusterIPAllocator,
    readonly nodePorts: NodePortAllocator,
    private readonly log: Logger,
  ) {}

  /**
   * Takes what `svc` needs beyond what `old` (on an update) holds and fills it in: a ClusterIP
   * unless headless or ExternalName (a requested one, or a free one), and for NodePort and
   * LoadBalancer a NodePort per port. Throws Invalid for a requested value outside the range or
   * taken, InternalError when a range is full; then nothing stays taken.
   */
  async allocate(svc: Service, old: Readonly<Service> | undefined, dryRun: boolean): Promise<WriteTransaction> {
    const owner = ownerOf(svc);
    const taken: Release[] = [];
    const revert = async (): Promise<void> => {
      if (!dryRun) for (const release of taken.reverse()) await this.safely(release);
    };
    try {
      await this.allocateClusterIP(svc, old, owner, dryRun, taken);
      await this.allocateNodePorts(svc, old, owner, dryRun, taken);
    } catch (e) {
      await revert();
      throw apiErrorOf(e, svc);
    }
    const stale = old ? this.releases(old, svc) : [];
    return {
      commit: async () => {
        if (!dryRun) for (const release of stale) await this.safely(release);
      },
      revert,
    };
  }

  /** Gives back everything `svc` holds (it was deleted). */
  async release(svc: Readonly<Service>): Promise<void> {
    for (const release of this.releases(svc, undefined)) await this.safely(release);
  }

  /** What `old` holds and `next` (undefined: nothing) does not. */
  private releases(old: Readonly<Service>, next: Readonly<Service> | undefined): Release[] {
    const owner = ownerOf(old);
    const out: Release[] = [];
    const ip = heldClusterIP(old);
    if (ip && ip !== (next && heldClusterIP(next))) out.push(() => this.ips.release(ip, owner));
    const kept = next ? heldNodePorts(next) : new Set<number>();
    for (const port of heldNodePorts(old)) if (!kept.has(port)) out.push(() => this.nodePorts.release(port, owner));
    return out;
  }

  private async allocateClusterIP(svc: Service, old: Readonly<Service> | undefined, owner: AllocationOwner, dryRun: boolean, taken: Release[]): Promise<void> {
    if (!needsClusterIP(svc) || isHeadless(svc)) return;
    const requested = svc.spec.clusterIP;
    if (requested) {
      if (old && requested === heldClusterIP(old)) return;
      try {
        await this.ips.allocate(requested, owner, dryRun);
      } catch (e) {
        if (!(e instanceof AllocationError)) throw e;
        throw errors.invalid('Service', owner.name, [fe.invalid('spec.clusterIPs[0]', requested, `failed to allocate IP ${requested}: ${e.message}`)]);
      }
      taken.push(() => this.ips.release(requested, owner));
      return;
    }
    const ip = await this.ips.allocateNext(owner, dryRun).catch(rangeFull('serviceIP'));
    taken.push(() => this.ips.release(ip, owner));
    svc.spec.clusterIP = ip;
    svc.spec.clusterIPs = [ip];
  }

  private async allocateNodePorts(svc: Service, old: Readonly<Service> | undefined, owner: AllocationOwner, dryRun: boolean, taken: Release[]): Promise<void> {
    if (!needsNodePorts(svc)) return;
    const ports = svc.spec.ports ?? [];
    const held = old ? heldNodePorts(old) : new Set<number>();
    // Requested ones first, so a free pick never takes a port asked for further down.
    for (const [i, p] of ports.entries()) {
      const requested = p.nodePort;
      if (!requested || held.has(requested)) continue;
      try {
        await this.nodePorts.allocate(requested, owner, dryRun);
      } catch (e) {
        if (!(e instanceof AllocationError)) throw e;
        throw errors.invalid('Service', owner.name, [fe.invalid(`spec.ports[${i}].nodePort`, requested, e.message)]);
      }
      held.add(requested);
      taken.push(() => this.nodePorts.release(requested, owner));
    }
    // A LoadBalancer with allocateLoadBalancerNodePorts false keeps only what it asked for.
    if (svc.spec.type === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts === false) return;
    // One NodePort per port number: a port served over TCP and UDP shares it (initNodePorts).
    const byPort = new Map<number, number>();
    for (const p of ports) if (p.nodePort && !byPort.has(p.port)) byPort.set(p.port, p.nodePort);
    for (const p of ports) {
      if (p.nodePort) continue;
      const shared = byPort.get(p.port);
      if (shared !== undefined) {
        p.nodePort = shared;
        continue;
      }
      const port = await this.nodePorts.allocateNext(owner, dryRun).catch(rangeFull('nodePort'));
      taken.push(() => this.nodePorts.release(port, owner));
      p.nodePort = port;
      byPort.set(p.port, port);
    }
  }

  /** A release must not fail the request that triggered it: a leaked value is logged (and repaired later). */
  private async safely(release: Release): Promise<void> {
    try {
      await release();
    } catch (e) {
      this.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'cannot release a service allocation; it stays taken until repaired');
    }
  }
}

/** A full range is an internal error, as in Kubernetes: `failed to allocate a serviceIP: range is full`. */
function rangeFull(what: 'serviceIP' | 'nodePort'): (e: unknown) => never {
  return (e) => {
    if (e instanceof AllocationError && e.reason === 'full') throw errors.internal(`failed to allocate a ${what}: ${e.message}`);
    throw e;
  };
}

/** Storage failures (etcd down) keep their meaning. */
function apiErrorOf(e: unknown, svc: Readonly<Service>): unknown {
  return isApiError(e) ? e : storageToApiError(e, 'services', svc.metadata.name ?? '');
}
