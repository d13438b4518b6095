// The kubelet's sync loop (Kubernetes' syncLoop + pod workers + PLEG, in small): pod events from
// the informer, container deaths from the runtime's event stream, a relist of the runtime every
// couple of seconds (exits and orphans), and a full resync every few seconds all end up as pod keys
// in one WorkQueue, which never hands the same key to two workers: one serialized worker per pod.

import { isDeepStrictEqual } from 'node:util';
import { objectKey, type Pod } from '@skiff/api';
import type { Logger } from '@skiff/component';
import { WorkQueue, runWorkers, type Clock, type Informer, type ReconcileResult } from '@skiff/machinery';
import type { KubeletMetrics } from '../metrics.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { LABEL_POD_UID, LABEL_ROLE, nodeLabels, podKeyOf } from './labels.js';
import type { PodSyncer } from './pod-syncer.js';

export interface SyncLoopOptions {
  runtime: ContainerRuntime;
  informer: Informer<Pod>;
  syncer: PodSyncer;
  clock: Clock;
  log: Logger;
  node: string;
  workers: number;
  housekeepingIntervalMs: number;
  resyncIntervalMs: number;
  metrics?: KubeletMetrics;
}

/** Changes other than status (which the kubelet itself writes) are worth a sync. */
function specChanged(a: Readonly<Pod>, b: Readonly<Pod>): boolean {
  const strip = (p: Readonly<Pod>) => ({ ...p, status: undefined, metadata: { ...p.metadata, resourceVersion: undefined } });
  return !isDeepStrictEqual(strip(a), strip(b));
}

export class SyncLoop {
  readonly queue: WorkQueue;
  private lastStates = new Map<string, { state: string; key: string | undefined }>();
  private lastResync = 0;
  private lastHousekeeping = 0;

  constructor(private readonly o: SyncLoopOptions) {
    this.queue = new WorkQueue({ clock: o.clock, name: 'pods', baseDelayMs: 500, maxDelayMs: 30_000 });
    // A probe result that matters (readiness, a liveness failure) is a reason to sync the pod.
    o.syncer.probes.setListener((key) => this.queue.add(key));
    o.informer.on({
      add: (pod) => this.queue.add(objectKey(pod)),
      update: (old, cur) => {
        if (specChanged(old, cur)) this.queue.add(objectKey(cur));
      },
      delete: (pod) => {
        this.queue.add(objectKey(pod));
        // What the syncer remembers (back-off, last status) dies with the pod; its containers,
        // if any, are removed by the sync this key triggers.
        if (pod.metadata.uid) {
          o.syncer.statuses.forget(pod.metadata.uid);
          o.syncer.probes.removePod(pod.metadata.uid);
        }
      },
    });
  }

  /** When the loop last relisted the runtime (ms), for /healthz. */
  lastHousekeepingAt(): number {
    return this.lastHousekeeping;
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.o.informer.waitForSync(signal);
    if (signal.aborted) return;
    this.o.log.info({ pods: this.o.informer.list().length }, 'pods synced from the apiserver: starting pod workers');
    await this.housekeeping().catch((e: unknown) => this.o.log.warn({ err: errText(e) }, 'housekeeping failed'));
    const loops = [this.housekeepingLoop(signal), this.eventLoop(signal)];
    await runWorkers({ queue: this.queue, workers: this.o.workers, signal, log: this.o.log, reconcile: (key) => this.reconcile(key) });
    await Promise.all(loops);
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const pod = this.o.informer.get(key);
    const start = this.o.clock.now();
    try {
      const result = await this.o.syncer.sync(key, pod);
      return result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : undefined;
    } finally {
      this.o.metrics?.podWorkerDuration.observe({ operation_type: pod ? 'sync' : 'cleanup' }, (this.o.clock.now() - start) / 1000);
    }
  }

  /** One relist of the runtime: metrics, cache pruning, and keys of pods whose containers changed. */
  async housekeeping(): Promise<void> {
    const now = this.o.clock.now();
    // The loop turns even while the runtime is down (that is the node's Ready condition's business).
    this.lastHousekeeping = now;
    const containers = await this.o.runtime.listContainers(nodeLabels(this.o.node));
    const states = new Map<string, { state: string; key: string | undefined }>();
    const counts: Record<string, number> = { created: 0, running: 0, exited: 0, unknown: 0 };
    let runningPods = 0;
    for (const c of containers) {
      const key = podKeyOf(c.labels);
      states.set(c.id, { state: c.state, key });
      if (c.labels[LABEL_ROLE] === 'infra') {
        if (c.state === 'running') runningPods++;
      } else {
        const bucket = c.state === 'running' || c.state === 'created' || c.state === 'exited' ? c.state : 'unknown';
        counts[bucket] = (counts[bucket] ?? 0) + 1;
      }
      if (!key) continue;
      const pod = this.o.informer.get(key);
      const orphan = !pod || pod.metadata.uid !== c.labels[LABEL_POD_UID];
      if (orphan || this.lastStates.get(c.id)?.state !== c.state) this.queue.add(key);
    }
    // A container that vanished (removed by hand) also means its pod needs a look.
    for (const [id, prev] of this.lastStates) if (!states.has(id) && prev.key) this.queue.add(prev.key);
    this.lastStates = states;
    this.o.syncer.observer.retain(new Set(states.keys()));
    this.o.metrics?.runningPods.set(runningPods);
    for (const [state, n] of Object.entries(counts)) this.o.metrics?.runningContainers.set({ container_state: state }, n);
    if (now - this.lastResync >= this.o.resyncIntervalMs) this.queueAllOnce();
    this.o.syncer.backoff.gc();
  }

  private queueAllOnce(): void {
    this.lastResync = this.o.clock.now();
    for (const pod of this.o.informer.list()) this.queue.add(objectKey(pod));
  }

  private async housekeepingLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.o.clock.sleep(this.o.housekeepingIntervalMs, signal);
      if (signal.aborted) return;
      try {
        await this.housekeeping();
      } catch (e) {
        this.o.log.warn({ err: errText(e) }, 'housekeeping failed');
      }
    }
  }

  /** Container start/die/oom from the runtime: a death is noticed in milliseconds, not seconds. */
  private async eventLoop(signal: AbortSignal): Promise<void> {
    let delay = 500;
    while (!signal.aborted) {
      try {
        for await (const ev of this.o.runtime.events(nodeLabels(this.o.node), signal)) {
          delay = 500;
          const key = podKeyOf(ev.labels);
          if (key) this.queue.add(key);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.o.log.warn({ err: errText(e) }, 'runtime event stream failed, reconnecting');
      }
      await this.o.clock.sleep(delay, signal);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
