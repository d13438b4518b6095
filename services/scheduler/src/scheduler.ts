// The scheduler loop: informers on pods and nodes feed a scheduling queue with the keys of pods that
// need a node; one loop takes a key, builds a snapshot from the caches plus the pods it has assumed,
// asks the pure schedulePod() for a decision, and carries it out: bind through the API, or leave the
// pod Pending with a PodScheduled=False condition and a FailedScheduling event, parked until the
// cluster changes. Decisions are serial (one snapshot, one decision at a time), as in kube-scheduler.

import { clone, findCondition, isApiError, nowRFC3339, objectKey, type Condition, type Node, type Pod } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { RealClock, type Clock, type EventRecorder, type Informer } from '@skiff/machinery';
import { AssumedPods } from './assumed-pods.js';
import { nodeSchedulingPropertiesChanged, podSchedulingChanged } from './cluster-events.js';
import { isTerminated } from './framework/resources.js';
import { buildSnapshot } from './framework/snapshot.js';
import type { SchedulerMetrics } from './metrics.js';
import { DEFAULT_PROFILE, type Profile } from './profile.js';
import { schedulePod } from './schedule.js';
import { SchedulingQueue, type QueuedPodInfo, type SchedulingQueueOptions } from './scheduling-queue.js';

export type SchedulerClient = Pick<ApiClient, 'bind' | 'updateStatus' | 'get'>;

export interface SchedulerDeps {
  client: SchedulerClient;
  pods: Informer<Pod>;
  nodes: Informer<Node>;
  recorder: Pick<EventRecorder, 'record'>;
  metrics: SchedulerMetrics;
  log: Logger;
  clock?: Clock;
  profile?: Profile;
  /** Tie-breaking between equally good nodes (default Math.random, as kube-scheduler). */
  random?: () => number;
  queue?: Omit<SchedulingQueueOptions, 'clock'>;
}

export class Scheduler {
  private readonly clock: Clock;
  private readonly profile: Profile;
  private readonly assumed = new AssumedPods();
  private queue: SchedulingQueue | undefined;

  constructor(private readonly deps: SchedulerDeps) {
    this.clock = deps.clock ?? new RealClock();
    this.profile = deps.profile ?? DEFAULT_PROFILE;
    deps.metrics.pending = () => this.queue?.pending() ?? { active: 0, backoff: 0, unschedulable: 0 };
    deps.pods.on({
      add: (pod) => this.onPodAdd(pod),
      update: (old, cur) => this.onPodUpdate(old, cur),
      delete: (pod) => this.onPodDelete(pod),
    });
    deps.nodes.on({
      add: () => this.queue?.moveAllToActive(),
      update: (old, cur) => {
        if (nodeSchedulingPropertiesChanged(old, cur)) this.queue?.moveAllToActive();
      },
    });
  }

  /** Pods this scheduler must place: no node yet, not being deleted, not finished, and ours by schedulerName. */
  needsScheduling(pod: Readonly<Pod>): boolean {
    const name = pod.spec.schedulerName;
    return (
      !pod.spec.nodeName &&
      !pod.metadata.deletionTimestamp &&
      !isTerminated(pod) &&
      (name === undefined || name === '' || name === this.profile.schedulerName)
    );
  }

  /** Schedules until the signal aborts (e.g. leadership is lost); can run again afterwards. */
  async run(signal: AbortSignal): Promise<void> {
    const { pods, nodes, log } = this.deps;
    await Promise.all([pods.waitForSync(signal), nodes.waitForSync(signal)]);
    if (signal.aborted) return;
    const queue = new SchedulingQueue({ clock: this.clock, ...this.deps.queue });
    this.queue = queue;
    this.assumed.clear();
    const stop = (): void => queue.shutDown();
    signal.addEventListener('abort', stop, { once: true });
    for (const pod of pods.list()) if (this.needsScheduling(pod)) queue.add(objectKey(pod));
    log.info({ pending: queue.pending().active, nodes: nodes.list().length }, 'scheduler started');
    try {
      for (;;) {
        const next = await queue.pop();
        if (next === undefined) break;
        try {
          await this.scheduleOne(queue, next.key, next.info);
        } catch (e) {
          log.error({ pod: next.key, err: e instanceof Error ? e.message : String(e) }, 'scheduling attempt failed');
          this.deps.metrics.attempt('error', this.profile.schedulerName, 0);
          queue.addBackoff(next.key);
        } finally {
          queue.done(next.key);
        }
      }
    } finally {
      signal.removeEventListener('abort', stop);
      if (this.queue === queue) this.queue = undefined;
    }
  }

  private async scheduleOne(queue: SchedulingQueue, key: string, info: QueuedPodInfo): Promise<void> {
    const { pods, nodes, client, recorder, metrics } = this.deps;
    const pod = pods.get(key);
    if (!pod || !this.needsScheduling(pod)) {
      queue.delete(key);
      return;
    }
    if (this.assumed.has(key)) return; // bound already; the informer has not caught up
    const log = this.deps.log.child({ pod: key });
    info.attempts++;
    const cycle = queue.cycle();
    const start = this.clock.now();
    const snapshot = buildSnapshot(nodes.list(), [...pods.list(), ...this.assumed.list()]);
    const result = schedulePod(pod, snapshot, { profile: this.profile, random: this.deps.random ?? Math.random });
    const profile = this.profile.schedulerName;

    if ('unschedulable' in result) {
      metrics.attempt('unschedulable', profile, (this.clock.now() - start) / 1000);
      queue.addUnschedulable(key, cycle);
      log.info({ reason: result.unschedulable }, 'unable to schedule pod; waiting');
      recorder.record(pod, 'Warning', 'FailedScheduling', result.unschedulable);
      await this.setUnschedulable(pod, result.unschedulable, log);
      return;
    }

    const node = result.node;
    this.assumed.assume(pod, node);
    try {
      await client.bind(pod.metadata.namespace ?? '', pod.metadata.name ?? '', node);
    } catch (e) {
      this.assumed.forget(key);
      metrics.attempt('error', profile, (this.clock.now() - start) / 1000);
      if (isApiError(e, 'NotFound')) {
        queue.delete(key);
        return;
      }
      const message = e instanceof Error ? e.message : String(e);
      log.warn({ node, err: message }, 'binding rejected');
      recorder.record(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${message}`);
      queue.addBackoff(key);
      return;
    }
    const now = this.clock.now();
    metrics.attempt('scheduled', profile, (now - start) / 1000);
    metrics.podSchedulingSliDuration.observe({ attempts: String(info.attempts) }, (now - info.queuedAt) / 1000);
    queue.delete(key);
    log.info({ node, feasibleNodes: result.feasibleNodes }, 'bound pod');
    recorder.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${key} to ${node}`);
  }

  /** Sets PodScheduled=False/Unschedulable with the message, unless the pod already says exactly that. */
  private async setUnschedulable(pod: Readonly<Pod>, message: string, log: Logger): Promise<void> {
    let current: Readonly<Pod> = pod;
    for (let attempt = 0; attempt < 2; attempt++) {
      const prior = findCondition(current.status?.conditions, 'PodScheduled');
      if (prior?.status === 'False' && prior.reason === 'Unschedulable' && prior.message === message) return;
      const updated = clone(current) as Pod;
      const status = (updated.status ??= {});
      const condition: Condition = {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message,
        lastProbeTime: null,
        lastTransitionTime: prior?.status === 'False' && prior.lastTransitionTime ? prior.lastTransitionTime : nowRFC3339(new Date(this.clock.now())),
      };
      const conditions = status.conditions ?? [];
      const i = conditions.findIndex((c) => c.type === 'PodScheduled');
      if (i >= 0) conditions[i] = condition;
      else conditions.push(condition);
      status.conditions = conditions;
      try {
        await this.deps.client.updateStatus('pods', updated);
        return;
      } catch (e) {
        if (isApiError(e, 'Conflict') && attempt === 0) {
          try {
            current = await this.deps.client.get<Pod>('pods', pod.metadata.namespace ?? '', pod.metadata.name ?? '');
            if (!this.needsScheduling(current)) return;
            continue;
          } catch {
            return;
          }
        }
        if (!isApiError(e, 'NotFound')) log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not update pod condition');
        return;
      }
    }
  }

  private onPodAdd(pod: Readonly<Pod>): void {
    const key = objectKey(pod);
    if (pod.spec.nodeName) this.assumed.forget(key);
    else if (this.needsScheduling(pod)) this.queue?.add(key);
  }

  private onPodUpdate(old: Readonly<Pod>, cur: Readonly<Pod>): void {
    const key = objectKey(cur);
    if (cur.spec.nodeName) {
      this.assumed.forget(key);
      this.queue?.delete(key);
      // A pod that finished frees its node's resources.
      if (!isTerminated(old) && isTerminated(cur)) this.queue?.moveAllToActive();
      return;
    }
    if (!this.needsScheduling(cur)) {
      this.queue?.delete(key);
      return;
    }
    // Our own status write (and any other status-only change) must not retry a parked pod.
    if (this.queue?.isUnschedulable(key) && !podSchedulingChanged(old, cur)) return;
    this.queue?.add(key);
  }

  private onPodDelete(pod: Readonly<Pod>): void {
    const key = objectKey(pod);
    const wasAssumed = this.assumed.forget(key);
    this.queue?.delete(key);
    // A bound pod going away frees room on its node.
    if (pod.spec.nodeName || wasAssumed) this.queue?.moveAllToActive();
  }
}
