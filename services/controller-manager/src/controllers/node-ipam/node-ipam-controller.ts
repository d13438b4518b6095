// The node IPAM controller with Kubernetes' range allocator (pkg/controller/nodeipam/
// ipam/range_allocator.go): every Node without spec.podCIDR gets the lowest free block of
// `--cluster-cidr` (`--node-cidr-mask-size` bits), written as spec.podCIDR and spec.podCIDRs (the
// apiserver lets podCIDR be set once, never changed). Blocks of existing nodes are marked used as
// the informer lists them, before any worker runs; a deleted node's block is freed and nodes
// waiting for one are looked at again. An exhausted range gives the node a Warning event
// CIDRNotAvailable (`Node n1 status is now: CIDRNotAvailable`, RecordNodeStatusChange's text);
// a failed write gives CIDRAssignmentFailed and frees the block.

import { isApiError, type Node } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { runWorkers, WorkQueue, type Clock, type EventRecorder, type Informer, type ReconcileResult } from '@skiff/machinery';
import { errorMessage } from '../../api-errors.js';
import { CidrSet } from './cidr-set.js';

export const CONTROLLER_NAME = 'nodeipam';
/** client-go's queue name for the range allocator. */
const QUEUE_NAME = 'cidrallocator_node';

export interface NodeIpamControllerDeps {
  nodes: Informer<Node>;
  client: Pick<ApiClient, 'patch'>;
  recorder: Pick<EventRecorder, 'record'>;
  clock: Clock;
  log: Logger;
  /** `--cluster-cidr`. */
  clusterCidr: string;
  /** `--node-cidr-mask-size`. */
  nodeCidrMaskSize: number;
}

/** A node's pod CIDR as recorded (podCIDR, else the first of podCIDRs). */
export function podCidrOf(node: Readonly<Node>): string | undefined {
  return node.spec?.podCIDR || node.spec?.podCIDRs?.[0] || undefined;
}

export class NodeIpamController {
  readonly queue: WorkQueue;
  readonly cidrs: CidrSet;
  private readonly log: Logger;
  /** The block each node holds or has been given (reserved before the write shows in the cache). */
  private readonly byNode = new Map<string, string>();

  constructor(private readonly deps: NodeIpamControllerDeps) {
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.queue = new WorkQueue({ clock: deps.clock, name: QUEUE_NAME });
    this.cidrs = new CidrSet(deps.clusterCidr, deps.nodeCidrMaskSize);
    deps.nodes.on({
      add: (node) => this.observe(node),
      update: (_old, node) => this.observe(node),
      delete: (node) => this.nodeDeleted(node),
    });
  }

  run(signal: AbortSignal, workers = 1): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
  }

  /** Marks a node's recorded block used (occupyCIDRs), or queues a node that has none. */
  private observe(node: Readonly<Node>): void {
    const name = node.metadata.name ?? '';
    const cidr = podCidrOf(node);
    if (!cidr) {
      this.queue.add(name);
      return;
    }
    const held = this.byNode.get(name);
    if (held === cidr) return;
    if (held !== undefined) this.cidrs.release(held);
    // Remembered even when outside the cluster CIDR (releasing it is then a no-op), so the warning comes once.
    this.byNode.set(name, cidr);
    if (!this.cidrs.occupy(cidr)) this.log.warn({ node: name, podCIDR: cidr, clusterCIDR: this.cidrs.cluster.text }, 'node pod CIDR is outside the cluster CIDR; not tracked');
  }

  private nodeDeleted(node: Readonly<Node>): void {
    const name = node.metadata.name ?? '';
    const held = this.byNode.get(name);
    if (held === undefined) return;
    this.cidrs.release(held);
    this.byNode.delete(name);
    this.log.info({ node: name, podCIDR: held }, 'released pod CIDR of deleted node');
    // Nodes that found the range exhausted may get this block now.
    for (const n of this.deps.nodes.list()) if (!podCidrOf(n)) this.queue.add(n.metadata.name ?? '');
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const node = this.deps.nodes.get(name);
    if (!node || podCidrOf(node) || node.metadata.deletionTimestamp) return;
    let cidr = this.byNode.get(name);
    if (cidr === undefined) {
      cidr = this.cidrs.allocateNext();
      if (cidr === undefined) {
        this.log.warn({ node: name, clusterCIDR: this.cidrs.cluster.text }, 'no pod CIDR left for node');
        this.deps.recorder.record(node, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        return; // looked at again when a block is freed
      }
      this.byNode.set(name, cidr);
    }
    try {
      await this.deps.client.patch('nodes', '', name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
      this.log.info({ node: name, podCIDR: cidr }, 'assigned pod CIDR');
    } catch (e) {
      this.cidrs.release(cidr);
      this.byNode.delete(name);
      if (isApiError(e, 'NotFound')) return;
      this.deps.recorder.record(node, 'Warning', 'CIDRAssignmentFailed', `Node ${name} status is now: CIDRAssignmentFailed (${errorMessage(e)})`);
      throw e;
    }
  }
}
