// Taint-based eviction, after Kubernetes' pkg/controller/tainteviction: a pod on a node with a
// NoExecute taint it does not tolerate is deleted at once; one that tolerates every such taint is
// deleted when the least `tolerationSeconds` among the tolerations used runs out (counted from when
// this controller saw the taint), and never if none of them bounds it. A taint removed, a toleration
// added or the pod gone cancels a pending eviction. Pods deleted from an unreachable node stay
// Terminating until its kubelet comes back (or the node is deleted); their ReplicaSet does not count
// them, so replacements start at once.

import { isDeepStrictEqual } from 'node:util';
import { clone, isApiError, nowRFC3339, objectKey, splitKey, type Condition, type Node, type Pod, type Taint, type Toleration } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { runWorkers, WorkQueue, type Clock, type Informer } from '@skiff/machinery';
import { errorMessage } from '../../api-errors.js';
import { NODE_NAME_INDEX, podsByNodeName, type EventSink } from './node-lifecycle-controller.js';
import { matchingTolerations, minTolerationMs, noExecuteTaints } from './taints.js';

export const TAINT_EVICTION_CONTROLLER_NAME = 'taint-eviction-controller';
const DELETE_ATTEMPTS = 5;

export interface TaintEvictionControllerDeps {
  nodes: Informer<Node>;
  pods: Informer<Pod>;
  client: Pick<ApiClient, 'get' | 'updateStatus' | 'delete'>;
  recorder: EventSink;
  clock: Clock;
  log: Logger;
}

interface ScheduledEviction {
  createdAt: number;
  fireAt: number;
  handle: unknown;
  /** The deletion has been started (the entry stays so that it is not started twice). */
  fired: boolean;
}

const podRef = (key: string): Pod => {
  const { namespace, name } = splitKey(key);
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name }, spec: { containers: [] } };
};

export class TaintEvictionController {
  /** Keys `node:<name>` and `pod:<namespace>/<name>`. */
  readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly clock: Clock;
  /** Node name → its NoExecute taints (nodes without any are absent). */
  private readonly taintedNodes = new Map<string, Readonly<Taint>[]>();
  private readonly scheduled = new Map<string, ScheduledEviction>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: TaintEvictionControllerDeps) {
    this.clock = deps.clock;
    this.log = deps.log.child({ controller: TAINT_EVICTION_CONTROLLER_NAME });
    this.queue = new WorkQueue({ clock: deps.clock, name: 'noexec_taint' });
    deps.pods.addIndex(NODE_NAME_INDEX, podsByNodeName);
    deps.nodes.on({
      add: (node) => this.nodeUpdated(undefined, node),
      update: (old, node) => this.nodeUpdated(old, node),
      delete: (node) => this.queue.add(`node:${node.metadata.name ?? ''}`),
    });
    deps.pods.on({
      add: (pod) => this.podUpdated(undefined, pod),
      update: (old, pod) => this.podUpdated(old, pod),
      delete: (pod) => this.queue.add(`pod:${objectKey(pod)}`),
    });
  }

  async run(signal: AbortSignal, workers = 4): Promise<void> {
    this.stopped = false;
    await runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
    this.stopped = true;
    for (const s of this.scheduled.values()) this.clock.clearTimeout(s.handle);
    this.scheduled.clear();
    await Promise.all([...this.inFlight]);
  }

  /** Pods whose eviction is scheduled and not yet started (for tests and logs). */
  pending(): string[] {
    return [...this.scheduled].filter(([, s]) => !s.fired).map(([k]) => k);
  }

  private nodeUpdated(old: Readonly<Node> | undefined, node: Readonly<Node>): void {
    if (old && isDeepStrictEqual(noExecuteTaints(old.spec?.taints), noExecuteTaints(node.spec?.taints))) return;
    this.queue.add(`node:${node.metadata.name ?? ''}`);
  }

  private podUpdated(old: Readonly<Pod> | undefined, pod: Readonly<Pod>): void {
    if (old && old.spec.nodeName === pod.spec.nodeName && isDeepStrictEqual(old.spec.tolerations ?? [], pod.spec.tolerations ?? [])) return;
    this.queue.add(`pod:${objectKey(pod)}`);
  }

  private async reconcile(key: string): Promise<void> {
    if (key.startsWith('node:')) this.handleNode(key.slice('node:'.length));
    else this.handlePod(key.slice('pod:'.length));
  }

  private handleNode(name: string): void {
    const node = this.deps.nodes.get(name);
    const taints = noExecuteTaints(node?.spec?.taints);
    if (taints.length === 0) this.taintedNodes.delete(name);
    else this.taintedNodes.set(name, taints);
    if (!node) return;
    const pods = this.deps.pods.byIndex(NODE_NAME_INDEX, name);
    const now = this.clock.now();
    for (const pod of pods) {
      if (taints.length === 0) this.cancel(objectKey(pod));
      else this.processPodOnNode(pod, taints, now);
    }
  }

  private handlePod(key: string): void {
    const pod = this.deps.pods.get(key);
    if (!pod) {
      this.cancel(key, { forget: true });
      return;
    }
    const taints = pod.spec.nodeName ? this.taintedNodes.get(pod.spec.nodeName) : undefined;
    if (!taints) return;
    this.processPodOnNode(pod, taints, this.clock.now());
  }

  private processPodOnNode(pod: Readonly<Pod>, taints: readonly Readonly<Taint>[], now: number): void {
    const key = objectKey(pod);
    // Already going: nothing more to do.
    if (pod.metadata.deletionTimestamp) return;
    const tolerations: readonly Readonly<Toleration>[] | undefined = pod.spec.tolerations;
    const { allTolerated, used } = matchingTolerations(taints, tolerations);
    if (!allTolerated) {
      this.log.info({ pod: key, node: pod.spec.nodeName }, 'pod does not tolerate every NoExecute taint of its node, deleting it');
      this.cancel(key);
      this.schedule(key, now, now);
      return;
    }
    const min = minTolerationMs(used);
    if (min === Infinity) {
      this.cancel(key);
      return;
    }
    const existing = this.scheduled.get(key);
    if (existing && existing.createdAt + min < now + min) return;
    if (existing) this.cancel(key);
    this.schedule(key, existing?.createdAt ?? now, now + min);
  }

  private schedule(key: string, createdAt: number, fireAt: number): void {
    if (this.scheduled.has(key) || this.stopped) return;
    const entry: ScheduledEviction = { createdAt, fireAt, fired: false, handle: undefined };
    this.scheduled.set(key, entry);
    const delay = fireAt - this.clock.now();
    if (delay <= 0) this.fire(key, entry);
    else entry.handle = this.clock.setTimeout(() => this.fire(key, entry), delay);
  }

  /**
   * Cancels a pending eviction (with an event). One already started is kept, so that it is not
   * started again, unless `forget` (the pod is gone).
   */
  private cancel(key: string, opts: { forget?: boolean } = {}): void {
    const entry = this.scheduled.get(key);
    if (!entry) return;
    if (entry.fired) {
      if (opts.forget) this.scheduled.delete(key);
      return;
    }
    this.clock.clearTimeout(entry.handle);
    this.scheduled.delete(key);
    this.deps.recorder.record(podRef(key), 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  private fire(key: string, entry: ScheduledEviction): void {
    if (this.stopped || this.scheduled.get(key) !== entry) return;
    entry.fired = true;
    this.deps.recorder.record(podRef(key), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    const work = this.deletePod(key)
      .catch((e: unknown) => {
        this.log.warn({ pod: key, err: errorMessage(e) }, 'could not delete pod for NoExecute taint');
        // Forget it, so the next update of the pod or node tries again.
        if (this.scheduled.get(key) === entry) this.scheduled.delete(key);
      })
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
  }

  /** addConditionAndDeletePod: the DisruptionTarget condition, then the deletion. */
  private async deletePod(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    for (let attempt = 1; ; attempt++) {
      try {
        const pod = await this.deps.client.get<Pod>('pods', namespace, name);
        if (pod.metadata.deletionTimestamp) return;
        const condition: Condition = {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByTaintManager',
          message: 'Taint manager: deleting due to NoExecute taint',
          lastTransitionTime: nowRFC3339(new Date(this.clock.now())),
        };
        const others = (pod.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
        await this.deps.client.updateStatus<Pod>('pods', { ...(clone(pod) as Pod), status: { ...pod.status, conditions: [...others, condition] } });
        await this.deps.client.delete('pods', namespace, name, { preconditions: { uid: pod.metadata.uid ?? '' } });
        this.log.info({ pod: key }, 'deleted pod for NoExecute taint');
        return;
      } catch (e) {
        if (isApiError(e, 'NotFound')) return;
        if (attempt >= DELETE_ATTEMPTS) throw e;
      }
    }
  }
}
