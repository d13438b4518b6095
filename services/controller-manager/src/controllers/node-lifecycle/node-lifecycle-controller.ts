// The node lifecycle controller, after Kubernetes' pkg/controller/nodelifecycle: every
// --node-monitor-period it looks at each node's Lease and Ready heartbeat; a node silent for
// --node-monitor-grace-period has its kubelet conditions set to Unknown, its pods marked not Ready,
// and is queued for the NoExecute `unreachable` (or, when its kubelet says Ready=False,
// `not-ready`) taint, which the taint eviction controller turns into evictions. A node Ready again
// loses those taints. Node updates also keep the NoSchedule condition taints and the cordon taint
// in step (TaintNodesByCondition). Taints are added per zone through a rate-limited queue, and not
// at all while every zone is fully disrupted (then the trouble is most likely the control plane's).

import { isDeepStrictEqual } from 'node:util';
import { clone, findCondition, isApiError, nowRFC3339, objectKey, type Condition, type Lease, type Node, type Pod, type Taint } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { runWorkers, WorkQueue, type Clock, type EventRecorder, type Informer } from '@skiff/machinery';
import { errorMessage } from '../../api-errors.js';
import { NodeHealthMap, unknownConditions } from './node-health.js';
import { RateLimitedQueue } from './rate-limited-queue.js';
import { desiredNoScheduleTaints, NOT_READY_NO_EXECUTE, ownedNoScheduleTaints, swapTaints, taintExists, UNREACHABLE_NO_EXECUTE } from './taints.js';
import { computeZoneState, LABEL_EXCLUDE_DISRUPTION, zoneKey, type ZoneState } from './zones.js';

export const CONTROLLER_NAME = 'nodelifecycle';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Pods by `spec.nodeName` (shared with the taint eviction controller). */
export const NODE_NAME_INDEX = 'spec.nodeName';

export const podsByNodeName = (pod: Readonly<Pod>): string[] => (pod.spec?.nodeName ? [pod.spec.nodeName] : []);

export interface NodeLifecycleOptions {
  /** How often node health is checked (--node-monitor-period, 5 s). */
  nodeMonitorPeriodMs: number;
  /** Silence after which a node is Unknown (--node-monitor-grace-period, 40 s). */
  nodeMonitorGracePeriodMs: number;
  /** The same for a node that never posted a Ready condition (--node-startup-grace-period, 60 s). */
  nodeStartupGracePeriodMs: number;
  /** Nodes a second tainted for eviction in a healthy zone (--node-eviction-rate, 0.1). */
  nodeEvictionRate: number;
  /** The same in a partially disrupted zone of a large cluster (--secondary-node-eviction-rate, 0.01). */
  secondaryNodeEvictionRate: number;
  /** Above this many nodes a zone is large (--large-cluster-size-threshold, 50). */
  largeClusterSizeThreshold: number;
  /** Share of not-Ready nodes that makes a zone partially disrupted (--unhealthy-zone-threshold, 0.55). */
  unhealthyZoneThreshold: number;
}

export const DEFAULT_NODE_LIFECYCLE_OPTIONS: NodeLifecycleOptions = {
  nodeMonitorPeriodMs: 5_000,
  nodeMonitorGracePeriodMs: 40_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
};

/** Retries of a node status or taint write that lost a race (NodeHealthUpdateRetry). */
const WRITE_ATTEMPTS = 5;

export type EventSink = Pick<EventRecorder, 'record'>;

export interface NodeLifecycleControllerDeps {
  nodes: Informer<Node>;
  leases: Informer<Lease>;
  pods: Informer<Pod>;
  client: Pick<ApiClient, 'get' | 'patch' | 'updateStatus'>;
  recorder: EventSink;
  clock: Clock;
  log: Logger;
  options?: Partial<NodeLifecycleOptions>;
}

interface HealthResult {
  /** The Ready condition as the node carried it at the start of the pass (Unknown if it had none). */
  observed: Condition;
  /** The Ready condition after this pass (undefined while a new node is within its startup grace). */
  current: Condition | undefined;
  /** The latest copy of the node. */
  node: Readonly<Node>;
}

export class NodeLifecycleController {
  /** Node names for the NoSchedule (condition and cordon) taint pass. */
  readonly nodeQueue: WorkQueue;
  /** Pods newly bound to a node, to mark not Ready if that node is not. */
  readonly podQueue: WorkQueue;
  readonly health = new NodeHealthMap();
  readonly options: NodeLifecycleOptions;
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly known = new Set<string>();
  private readonly tainters = new Map<string, RateLimitedQueue>();
  private readonly zoneStates = new Map<string, ZoneState>();
  /** Nodes whose pods still have to be marked not Ready (nodesToRetry). */
  private readonly retry = new Set<string>();
  private serial: Promise<void> = Promise.resolve();
  private wake: unknown;
  private stopped = false;

  constructor(private readonly deps: NodeLifecycleControllerDeps) {
    this.options = { ...DEFAULT_NODE_LIFECYCLE_OPTIONS, ...deps.options };
    this.nodes = deps.nodes;
    this.leases = deps.leases;
    this.pods = deps.pods;
    this.clock = deps.clock;
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.nodeQueue = new WorkQueue({ clock: deps.clock, name: 'node_lifecycle_controller' });
    this.podQueue = new WorkQueue({ clock: deps.clock, name: 'node_lifecycle_controller_pods' });
    this.pods.addIndex(NODE_NAME_INDEX, podsByNodeName);
    this.nodes.on({
      add: (node) => this.nodeQueue.add(node.metadata.name ?? ''),
      update: (_old, node) => this.nodeQueue.add(node.metadata.name ?? ''),
      delete: (node) => this.retry.delete(node.metadata.name ?? ''),
    });
    this.pods.on({
      add: (pod) => this.podUpdated(undefined, pod),
      update: (old, pod) => this.podUpdated(old, pod),
    });
  }

  /** Runs the health monitor and the workers until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.stopped = false;
    const monitor = (async () => {
      while (!signal.aborted) {
        await this.monitorNodeHealth();
        await this.clock.sleep(this.options.nodeMonitorPeriodMs, signal);
      }
    })();
    await Promise.all([
      runWorkers({ queue: this.nodeQueue, workers: 8, signal, log: this.log, reconcile: (name) => this.syncNoScheduleTaints(name) }),
      runWorkers({ queue: this.podQueue, workers: 4, signal, log: this.log, reconcile: (key) => this.processPod(key) }),
      monitor,
    ]);
    this.stopped = true;
    if (this.wake !== undefined) this.clock.clearTimeout(this.wake);
    this.wake = undefined;
    await this.serial;
  }

  /** One health pass over every node (also run by tests); passes never overlap. */
  monitorNodeHealth(): Promise<void> {
    return this.exclusive(() => this.monitorPass());
  }

  private exclusive(fn: () => Promise<void>): Promise<void> {
    const next = this.serial.then(fn).catch((e: unknown) => this.log.warn({ err: errorMessage(e) }, 'node health pass failed'));
    this.serial = next;
    return next;
  }

  private tainter(zone: string): RateLimitedQueue {
    let q = this.tainters.get(zone);
    if (!q) {
      q = new RateLimitedQueue(this.options.nodeEvictionRate, this.clock);
      this.tainters.set(zone, q);
      this.zoneStates.set(zone, 'Initial');
    }
    return q;
  }

  private nowIso(): string {
    return nowRFC3339(new Date(this.clock.now()));
  }

  private async monitorPass(): Promise<void> {
    const nodes = this.nodes.list();
    const names = new Set(nodes.map((n) => n.metadata.name ?? ''));
    for (const node of nodes) {
      const name = node.metadata.name ?? '';
      this.tainter(zoneKey(node));
      if (this.known.has(name)) continue;
      this.known.add(name);
      this.recordNodeEvent(node, 'RegisteredNode', `Registered Node ${name} in Controller`);
      await this.markNodeAsReachable(node).catch((e: unknown) => this.log.warn({ node: name, err: errorMessage(e) }, 'could not remove taints from node'));
    }
    for (const name of [...this.known]) {
      if (names.has(name)) continue;
      this.known.delete(name);
      this.health.delete(name);
      this.retry.delete(name);
      for (const q of this.tainters.values()) q.remove(name);
      this.deps.recorder.record({ apiVersion: 'v1', kind: 'Node', metadata: { name } }, 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
    }

    const zoneConditions = new Map<string, (Condition | undefined)[]>();
    for (const cached of nodes) {
      const name = cached.metadata.name ?? '';
      let result: HealthResult;
      try {
        result = await this.updateNodeHealth(cached);
      } catch (e) {
        this.log.warn({ node: name, err: errorMessage(e) }, 'could not update node health, skipping (no pods will be evicted)');
        continue;
      }
      const { observed, current, node } = result;
      if (node.metadata.labels?.[LABEL_EXCLUDE_DISRUPTION] === undefined) {
        const zone = zoneKey(node);
        zoneConditions.set(zone, [...(zoneConditions.get(zone) ?? []), current]);
      }
      if (!current) continue;
      await this.processTaintBasedEviction(node, current);
      const becameNotReady = current.status !== 'True' && observed.status === 'True';
      if (becameNotReady) this.recordNodeEvent(node, 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, 'status');
      if (becameNotReady || (this.retry.has(name) && current.status !== 'True')) {
        try {
          await this.markPodsNotReady(this.pods.byIndex(NODE_NAME_INDEX, name), name);
        } catch (e) {
          this.log.warn({ node: name, err: errorMessage(e) }, 'could not mark all pods of the node not Ready, retrying next pass');
          this.retry.add(name);
          continue;
        }
      }
      this.retry.delete(name);
    }
    await this.handleDisruption(zoneConditions, nodes);
    await this.taintingPass();
  }

  private recordNodeEvent(node: Readonly<Node>, reason: string, text: string, kind: 'event' | 'status' = 'event'): void {
    const name = node.metadata.name ?? '';
    const ref = { apiVersion: 'v1', kind: 'Node', metadata: { name, uid: node.metadata.uid ?? '' } };
    this.deps.recorder.record(ref, 'Normal', reason, kind === 'status' ? text : `Node ${name} event: ${text}`);
  }

  /** tryUpdateNodeHealth with its retries: a lost race re-reads the node and looks again. */
  private async updateNodeHealth(cached: Readonly<Node>): Promise<HealthResult> {
    let node = cached;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tryUpdateNodeHealth(node);
      } catch (e) {
        if (attempt >= WRITE_ATTEMPTS || isApiError(e, 'NotFound')) throw e;
        node = await this.deps.client.get<Node>('nodes', '', node.metadata.name ?? '');
      }
    }
  }

  private async tryUpdateNodeHealth(node: Readonly<Node>): Promise<HealthResult> {
    const name = node.metadata.name ?? '';
    const now = this.clock.now();
    const health = this.health.observe(node, this.leases.get(`${NODE_LEASE_NAMESPACE}/${name}`), now);
    const ready = findCondition(node.status?.conditions, 'Ready');
    const created = node.metadata.creationTimestamp ?? this.nowIso();
    const observed: Condition = ready ?? { type: 'Ready', status: 'Unknown', lastHeartbeatTime: created, lastTransitionTime: created };
    const grace = ready ? this.options.nodeMonitorGracePeriodMs : this.options.nodeStartupGracePeriodMs;
    if (now > health.probeTimestamp + grace) {
      const conditions = unknownConditions(node, this.nowIso());
      const current = findCondition(conditions, 'Ready');
      if (!isDeepStrictEqual(current, ready)) {
        this.log.info({ node: name, silentForMs: now - health.probeTimestamp }, 'node stopped posting status, marking it Unknown');
        const updated = await this.deps.client.updateStatus<Node>('nodes', { ...clone(node) as Node, status: { ...node.status, conditions } });
        this.health.wrote(name, current, now);
        return { observed, current, node: updated };
      }
    }
    return { observed, current: ready, node };
  }

  /** processTaintBaseEviction: queue an unhealthy node for its NoExecute taint, untaint a healthy one. */
  private async processTaintBasedEviction(node: Readonly<Node>, ready: Condition): Promise<void> {
    const name = node.metadata.name ?? '';
    const taints = node.spec?.taints;
    const swap = async (add: Readonly<Taint>, remove: Readonly<Taint>): Promise<void> => {
      if (taintExists(taints, remove)) {
        // Already tainted the other way: swap at once.
        await this.swapNodeTaints(name, [add], [remove], node).catch((e: unknown) => this.log.warn({ node: name, err: errorMessage(e) }, 'could not swap NoExecute taints'));
      } else if (!taintExists(taints, add)) {
        if (this.tainter(zoneKey(node)).add(name, node.metadata.uid ?? '')) this.log.info({ node: name, ready: ready.status }, 'node queued for the NoExecute taint');
      }
    };
    if (ready.status === 'False') await swap(NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE);
    else if (ready.status === 'Unknown') await swap(UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE);
    else {
      const removed = await this.markNodeAsReachable(node).catch((e: unknown) => {
        this.log.warn({ node: name, err: errorMessage(e) }, 'could not remove NoExecute taints, retrying next pass');
        return false;
      });
      if (removed) this.log.info({ node: name }, 'node is healthy again, removed its NoExecute taints');
    }
  }

  /** Removes the unreachable and not-ready NoExecute taints; true if there were any. */
  private async markNodeAsReachable(node: Readonly<Node>): Promise<boolean> {
    const name = node.metadata.name ?? '';
    for (const q of this.tainters.values()) q.remove(name);
    const taints = node.spec?.taints;
    if (!taintExists(taints, UNREACHABLE_NO_EXECUTE) && !taintExists(taints, NOT_READY_NO_EXECUTE)) return false;
    await this.swapNodeTaints(name, [], [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE], node);
    return true;
  }

  /** handleDisruption: zone states, eviction rates, and the stop when every zone is down. */
  private async handleDisruption(zoneConditions: Map<string, (Condition | undefined)[]>, nodes: readonly Readonly<Node>[]): Promise<void> {
    const newStates = new Map<string, ZoneState>();
    let allAreFull = true;
    for (const [zone, conditions] of zoneConditions) {
      const { state } = computeZoneState(conditions, this.options.unhealthyZoneThreshold);
      if (state !== 'FullDisruption') allAreFull = false;
      newStates.set(zone, state);
      if (!this.zoneStates.has(zone)) this.zoneStates.set(zone, 'Initial');
    }
    let allWereFull = true;
    for (const [zone, state] of [...this.zoneStates]) {
      if (!zoneConditions.has(zone)) {
        this.zoneStates.delete(zone);
        continue;
      }
      if (state !== 'FullDisruption') allWereFull = false;
    }
    if (allAreFull && allWereFull) return;
    if (allAreFull) {
      this.log.warn('no node is Ready: entering full disruption mode, evictions stop');
      for (const node of nodes) {
        await this.markNodeAsReachable(node).catch((e: unknown) => this.log.warn({ node: node.metadata.name, err: errorMessage(e) }, 'could not remove taints from node'));
      }
      for (const zone of this.zoneStates.keys()) {
        this.tainter(zone).limiter.setRate(0);
        this.zoneStates.set(zone, 'FullDisruption');
      }
      return;
    }
    if (allWereFull) {
      this.log.info('some nodes are Ready: leaving full disruption mode');
      this.health.resetProbes(this.clock.now());
    }
    for (const [zone, state] of this.zoneStates) {
      const next = newStates.get(zone) ?? state;
      if (state === next && !allWereFull) continue;
      if (state !== next) this.log.info({ zone, state: next }, 'zone changed state');
      this.tainter(zone).limiter.setRate(this.zoneRate(next, zoneConditions.get(zone)?.length ?? 0));
      this.zoneStates.set(zone, next);
    }
  }

  private zoneRate(state: ZoneState, size: number): number {
    if (state !== 'PartialDisruption') return this.options.nodeEvictionRate;
    return size > this.options.largeClusterSizeThreshold ? this.options.secondaryNodeEvictionRate : 0;
  }

  /** doNoExecuteTaintingPass: taint queued nodes as their zone's rate allows. */
  private async taintingPass(): Promise<void> {
    for (const q of this.tainters.values()) {
      for (const name of q.names()) {
        const ready = this.health.get(name)?.ready;
        if (!this.nodes.get(name) || ready?.status === 'True') {
          q.remove(name);
          continue;
        }
        if (!ready) continue;
        if (!q.limiter.tryAccept()) {
          this.wakeAfter(q.limiter.msUntilToken());
          break;
        }
        const [add, opposite] = ready.status === 'False' ? [NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE] : [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE];
        try {
          await this.swapNodeTaints(name, [add], [opposite]);
          q.remove(name);
          this.log.info({ node: name, taint: `${add.key}:${add.effect}` }, 'tainted node');
        } catch (e) {
          this.log.warn({ node: name, err: errorMessage(e) }, 'could not taint node, retrying next pass');
        }
      }
    }
  }

  private wakeAfter(ms: number): void {
    if (this.stopped || this.wake !== undefined || !Number.isFinite(ms)) return;
    this.wake = this.clock.setTimeout(() => {
      this.wake = undefined;
      if (!this.stopped) void this.exclusive(() => this.taintingPass());
    }, ms);
  }

  /**
   * Adds and removes taints with a merge patch pinned to the node's resourceVersion; a lost race
   * re-reads the node and tries again. `hint` is a copy at least as new as the cache's.
   */
  private async swapNodeTaints(name: string, add: readonly Readonly<Taint>[], remove: readonly Readonly<Taint>[], hint?: Readonly<Node>): Promise<void> {
    let node: Readonly<Node> | undefined = hint ?? this.nodes.get(name);
    for (let attempt = 1; node; attempt++) {
      const taints = swapTaints(node.spec?.taints, add, remove, this.nowIso());
      if (!taints) return;
      try {
        await this.deps.client.patch('nodes', '', name, { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: taints.length > 0 ? taints : null } });
        return;
      } catch (e) {
        if (attempt >= WRITE_ATTEMPTS || !isApiError(e, 'Conflict')) throw e;
      }
      node = await this.deps.client.get<Node>('nodes', '', name);
    }
  }

  /** MarkPodsNotReady: the pods' Ready condition goes False, with a NodeNotReady event each. */
  private async markPodsNotReady(pods: readonly Readonly<Pod>[], nodeName: string): Promise<void> {
    let failure: unknown;
    for (const pod of pods) {
      if (pod.spec.nodeName !== nodeName) continue;
      const ready = findCondition(pod.status?.conditions, 'Ready');
      if (!ready || ready.status === 'False') continue;
      try {
        if (await this.setPodNotReady(pod)) this.deps.recorder.record(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (e) {
        this.log.warn({ pod: objectKey(pod), err: errorMessage(e) }, 'could not mark pod not Ready');
        failure ??= e;
      }
    }
    if (failure !== undefined) throw failure;
  }

  private async setPodNotReady(cached: Readonly<Pod>): Promise<boolean> {
    let pod: Readonly<Pod> = cached;
    for (let attempt = 1; ; attempt++) {
      const conditions = (pod.status?.conditions ?? []).map((c) => (c.type === 'Ready' && c.status !== 'False' ? { ...c, status: 'False' as const, lastTransitionTime: this.nowIso() } : c));
      if (isDeepStrictEqual(conditions, pod.status?.conditions ?? [])) return false;
      try {
        await this.deps.client.updateStatus<Pod>('pods', { ...(clone(pod) as Pod), status: { ...pod.status, conditions } });
        return true;
      } catch (e) {
        if (isApiError(e, 'NotFound')) return false;
        if (attempt >= WRITE_ATTEMPTS || !isApiError(e, 'Conflict')) throw e;
      }
      try {
        pod = await this.deps.client.get<Pod>('pods', pod.metadata.namespace ?? '', pod.metadata.name ?? '');
      } catch (e) {
        if (isApiError(e, 'NotFound')) return false;
        throw e;
      }
    }
  }

  private podUpdated(old: Readonly<Pod> | undefined, pod: Readonly<Pod>): void {
    const nodeName = pod.spec?.nodeName;
    if (nodeName && (!old || old.spec?.nodeName !== nodeName)) this.podQueue.add(objectKey(pod));
  }

  /** A pod newly bound to a node that is not Ready is marked not Ready too. */
  private async processPod(key: string): Promise<void> {
    const pod = this.pods.get(key);
    const nodeName = pod?.spec.nodeName;
    if (!pod || !nodeName || !this.nodes.get(nodeName)) return;
    const ready = this.health.get(nodeName)?.ready;
    if (ready && ready.status !== 'True') await this.markPodsNotReady([pod], nodeName);
  }

  /** doNoScheduleTaintingPass: the node's NoSchedule taints follow its conditions and spec.unschedulable. */
  private async syncNoScheduleTaints(name: string): Promise<void> {
    const node = this.nodes.get(name);
    if (!node) return;
    const desired = desiredNoScheduleTaints(node.status?.conditions, node.spec?.unschedulable);
    const current = ownedNoScheduleTaints(node.spec?.taints);
    const add = desired.filter((t) => !taintExists(current, t));
    const remove = current.filter((t) => !taintExists(desired, t));
    if (add.length === 0 && remove.length === 0) return;
    await this.swapNodeTaints(name, add, remove);
  }
}
