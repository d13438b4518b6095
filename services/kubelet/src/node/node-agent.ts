// Keeps the kubelet's Node alive in the API: registers it (create, or reconcile an existing one),
// renews the Lease `kube-node-lease/<node>` every --node-status-update-frequency (10 s), and
// writes Node status when something changed (Ready follows the container runtime) or at least
// every 60 s as a heartbeat, as Kubernetes' kubelet does with its lease and status updates.

import { isApiError, type Lease, type Node, type NodeStatus } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import type { Clock } from '@skiff/machinery';
import type { KubeletMetrics } from '../metrics.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { MachineInfo } from './machine-info.js';
import { computeNodeStatus, newNode, nodeStatusChanged, reconcileExistingNode, type NodeIdentity, type RuntimeHealth } from './node-object.js';

export type NodeApi = Pick<ApiClient, 'get' | 'create' | 'update' | 'updateStatus'>;

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeAgentOptions {
  api: NodeApi;
  runtime: ContainerRuntime;
  clock: Clock;
  log: Logger;
  id: NodeIdentity;
  machine: MachineInfo;
  /** Lease renewal and status check period (default 10 s). */
  statusUpdateFrequencyMs?: number;
  /** Status is written at least this often even when unchanged (default 60 s). */
  statusReportFrequencyMs?: number;
  leaseDurationSeconds?: number;
  /** How long a runtime health check may take (default 5 s). */
  runtimeTimeoutMs?: number;
  metrics?: KubeletMetrics;
  /** Why pods cannot get a network now (the Node is not Ready meanwhile); undefined when they can. */
  networkNotReady?: () => string | undefined;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class NodeAgent {
  private registeredNode: Node | undefined;
  private lastStatus: NodeStatus | undefined;
  private lastReportAt = 0;
  private lease: Lease | undefined;
  private health: RuntimeHealth = { error: 'not checked yet' };
  private readonly frequencyMs: number;
  private readonly reportMs: number;

  constructor(private readonly o: NodeAgentOptions) {
    this.frequencyMs = o.statusUpdateFrequencyMs ?? 10_000;
    this.reportMs = o.statusReportFrequencyMs ?? 60_000;
  }

  /** True once the Node exists in the API. */
  isRegistered(): boolean {
    return this.registeredNode !== undefined;
  }

  /** The runtime answered at the last check. */
  runtimeHealthy(): boolean {
    return this.health.error === undefined;
  }

  runtimeError(): string | undefined {
    return this.health.error;
  }

  /** Registers, then renews and reports every period until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let delay = 500;
    while (!signal.aborted && !this.isRegistered()) {
      try {
        await this.register();
      } catch (e) {
        this.o.log.warn({ err: errText(e) }, 'could not register the node, retrying');
        await this.o.clock.sleep(delay, signal);
        delay = Math.min(delay * 2, this.frequencyMs);
      }
    }
    while (!signal.aborted) {
      try {
        await this.tick();
      } catch (e) {
        this.o.log.warn({ err: errText(e) }, 'node heartbeat failed');
      }
      await this.o.clock.sleep(this.frequencyMs, signal);
    }
  }

  async checkRuntime(): Promise<RuntimeHealth> {
    let timer: unknown;
    try {
      const v = await Promise.race([
        this.o.runtime.version(),
        new Promise<never>((_, reject) => {
          timer = this.o.clock.setTimeout(() => reject(new Error('the container runtime did not answer in time')), this.o.runtimeTimeoutMs ?? 5_000);
        }),
      ]);
      this.health = { runtimeVersion: `${v.name}://${v.version}` };
    } catch (e) {
      this.health = { error: errText(e), ...(this.health.runtimeVersion !== undefined ? { runtimeVersion: this.health.runtimeVersion } : {}) };
    } finally {
      this.o.clock.clearTimeout(timer);
    }
    return this.health;
  }

  /** Creates the Node, or reconciles the one that exists; then writes its status. */
  async register(): Promise<void> {
    const { id, machine, api, clock } = this.o;
    await this.checkRuntime();
    const status = computeNodeStatus(id, machine, this.currentHealth(), undefined, clock.now());
    let node: Node;
    try {
      node = await api.create<Node>('nodes', newNode(id, machine, status));
      this.o.log.info({ node: id.name }, 'node registered');
    } catch (e) {
      if (!isApiError(e, 'AlreadyExists')) throw e;
      const existing = await api.get<Node>('nodes', '', id.name);
      const changed = reconcileExistingNode(existing, id, machine);
      node = changed ? await api.update<Node>('nodes', changed) : existing;
      this.o.log.info({ node: id.name }, 'node already registered: reconciled');
    }
    this.registeredNode = node;
    this.lastStatus = node.status;
    await this.writeStatus(true);
    await this.renewLease();
  }

  /** The runtime's health with the network's readiness. */
  private currentHealth(): RuntimeHealth {
    const networkError = this.o.networkNotReady?.();
    return networkError === undefined ? this.health : { ...this.health, networkError };
  }

  /** Writes the status now if it changed (e.g. the network became ready), between periods. */
  async refreshStatus(): Promise<void> {
    if (this.registeredNode) await this.writeStatus(false);
  }

  /** One period: lease, runtime check, status when changed or due. */
  async tick(): Promise<void> {
    if (!this.registeredNode) {
      await this.register();
      return;
    }
    await this.renewLease();
    await this.checkRuntime();
    await this.writeStatus(false);
  }

  private async writeStatus(force: boolean): Promise<void> {
    const { api, id, machine, clock } = this.o;
    const now = clock.now();
    const next = computeNodeStatus(id, machine, this.currentHealth(), this.lastStatus, now);
    if (!force && !nodeStatusChanged(this.lastStatus, next) && now - this.lastReportAt < this.reportMs) return;
    for (let attempt = 0; attempt < 5; attempt++) {
      let node: Node;
      try {
        node = await api.get<Node>('nodes', '', id.name);
      } catch (e) {
        if (isApiError(e, 'NotFound')) {
          // Someone deleted our Node: register it again.
          this.registeredNode = undefined;
          this.o.log.warn({ node: id.name }, 'node object is gone: registering again');
          await this.register();
          return;
        }
        throw e;
      }
      const status = computeNodeStatus(id, machine, this.currentHealth(), node.status, now);
      try {
        const written = await api.updateStatus<Node>('nodes', { ...node, status });
        this.registeredNode = written;
        this.lastStatus = status;
        this.lastReportAt = now;
        this.o.metrics?.nodeStatusUpdates.inc({ result: 'success' });
        return;
      } catch (e) {
        this.o.metrics?.nodeStatusUpdates.inc({ result: 'error' });
        if (!isApiError(e, 'Conflict')) throw e;
      }
    }
  }

  private desiredLease(base: Lease | undefined): Lease {
    const { id, clock } = this.o;
    const now = microTime(clock.now());
    const spec = {
      ...(base?.spec ?? {}),
      holderIdentity: id.name,
      leaseDurationSeconds: this.o.leaseDurationSeconds ?? 40,
      renewTime: now,
    };
    if (!base) {
      const lease: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: id.name, namespace: NODE_LEASE_NAMESPACE },
        spec: { ...spec, acquireTime: now },
      };
      const node = this.registeredNode;
      if (node?.metadata.uid) {
        lease.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: id.name, uid: node.metadata.uid }];
      }
      return lease;
    }
    return { ...base, spec };
  }

  async renewLease(): Promise<void> {
    const { api, id } = this.o;
    if (this.lease) {
      try {
        this.lease = await api.update<Lease>('leases', this.desiredLease(this.lease));
        return;
      } catch (e) {
        if (!isApiError(e, 'Conflict') && !isApiError(e, 'NotFound')) throw e;
        this.lease = undefined;
      }
    }
    let current: Lease | undefined;
    try {
      current = await api.get<Lease>('leases', NODE_LEASE_NAMESPACE, id.name);
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
    }
    this.lease = current ? await api.update<Lease>('leases', this.desiredLease(current)) : await api.create<Lease>('leases', this.desiredLease(undefined));
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

