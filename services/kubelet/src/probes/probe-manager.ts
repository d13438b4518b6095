// The kubelet's probes (Kubernetes' prober_manager.go): one worker per (pod, container, probe
// type), started when the kubelet first syncs the pod and stopped when the pod goes. Workers read
// the status the kubelet last computed (`updatePodStatus`) and keep results per container
// instance; the pod syncer asks them back:
//
// - started: the startup probe succeeded (or there is none);
// - ready: started, and the readiness probe succeeded (or there is none) → the container's
//   `ready`, and so the pod's Ready and ContainersReady conditions;
// - failure: the liveness (or startup) probe failed → the syncer kills and restarts the container.
//
// A change that matters (readiness or startup flips, a liveness failure) asks for a pod sync
// through the listener. After a kubelet restart the results start from the pod's last status,
// so a ready pod stays ready.

import { objectKey, type Container, type Pod, type PodStatus } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { Clock } from '@skiff/machinery';
import type { ContainerProber } from './prober.js';
import { PROBE_TYPES, ResultsCache, probeOf, type ProbeResult, type ProbeType } from './results.js';
import { ProbeWorker, runtimeId, type WorkerHost } from './worker.js';

export interface ProbeManagerOptions {
  prober: ContainerProber;
  clock: Clock;
  log?: Logger;
  /** false: workers do not run on their own; a test steps them with `doProbe` (default true). */
  autoRun?: boolean;
}

/** What the pod status needs to know about a running container. */
export interface ProbeStatusSource {
  started(name: string, containerId: string): boolean;
  ready(name: string, containerId: string): boolean;
}

function workerKey(uid: string, name: string, type: ProbeType): string {
  return `${uid}/${name}/${type}`;
}

export class ProbeManager {
  private readonly workers = new Map<string, ProbeWorker>();
  private readonly pods = new Map<string, { pod: Readonly<Pod>; status: Readonly<PodStatus> | undefined }>();
  private readonly cache: Record<ProbeType, ResultsCache> = { liveness: new ResultsCache(), readiness: new ResultsCache(), startup: new ResultsCache() };
  private readonly host: WorkerHost;
  private listener: ((podKey: string) => void) | undefined;

  constructor(private readonly o: ProbeManagerOptions) {
    this.host = {
      clock: o.clock,
      prober: o.prober,
      podState: (uid) => this.pods.get(uid),
      results: (type) => this.cache[type],
      resultSet: (pod, type, result, changed) => this.resultSet(pod, type, result, changed),
    };
  }

  /** Who hears that a pod needs a sync (the sync loop's queue). */
  setListener(fn: (podKey: string) => void): void {
    this.listener = fn;
  }

  /** Starts the workers of a pod's probes (once per pod; later calls only refresh the pod). */
  addPod(pod: Readonly<Pod>): void {
    const uid = pod.metadata.uid ?? '';
    const known = this.pods.get(uid);
    this.pods.set(uid, { pod, status: known?.status });
    if (known) return;
    for (const container of pod.spec.containers) {
      for (const type of PROBE_TYPES) {
        if (!probeOf(container, type) || this.workers.has(workerKey(uid, container.name, type))) continue;
        this.adopt(pod, container, type);
        const worker = new ProbeWorker(this.host, pod, container, type);
        this.workers.set(workerKey(uid, container.name, type), worker);
        if (this.o.autoRun === false) continue;
        void worker.run(() => {
          if (this.workers.get(workerKey(uid, container.name, type)) === worker) this.workers.delete(workerKey(uid, container.name, type));
        });
      }
    }
  }

  /** Stops a pod's workers and forgets it. */
  removePod(uid: string): void {
    for (const [key, w] of this.workers) {
      if (w.uid !== uid) continue;
      w.stop();
      this.workers.delete(key);
    }
    this.pods.delete(uid);
  }

  /** Stops the workers of pods other than these. */
  retain(uids: ReadonlySet<string>): void {
    for (const uid of [...this.pods.keys()]) if (!uids.has(uid)) this.removePod(uid);
  }

  /** The status the kubelet just computed for the pod: what workers look at. */
  updatePodStatus(pod: Readonly<Pod>, status: Readonly<PodStatus>): void {
    const uid = pod.metadata.uid ?? '';
    if (!this.pods.has(uid)) return;
    this.pods.set(uid, { pod, status });
    // A started container that is not ready yet gets its readiness probed now, not a period later.
    for (const c of status.containerStatuses ?? []) {
      const id = runtimeId(c.containerID);
      if (!id || !c.state.running || !c.started || c.ready) continue;
      this.workers.get(workerKey(uid, c.name, 'readiness'))?.trigger();
    }
  }

  started(uid: string, name: string, containerId: string): boolean {
    return !this.workers.has(workerKey(uid, name, 'startup')) || this.cache.startup.get(containerId) === 'success';
  }

  ready(uid: string, name: string, containerId: string): boolean {
    if (!this.started(uid, name, containerId)) return false;
    return !this.workers.has(workerKey(uid, name, 'readiness')) || this.cache.readiness.get(containerId) === 'success';
  }

  /** Why this running container must be restarted, if its probes say so. */
  failure(_uid: string, _name: string, containerId: string): 'liveness' | 'startup' | undefined {
    if (this.cache.liveness.get(containerId) === 'failure') return 'liveness';
    if (this.cache.startup.get(containerId) === 'failure') return 'startup';
    return undefined;
  }

  statusSource(uid: string): ProbeStatusSource {
    return {
      started: (name, id) => this.started(uid, name, id),
      ready: (name, id) => this.ready(uid, name, id),
    };
  }

  /** The worker of one probe, for tests. */
  worker(uid: string, name: string, type: ProbeType): ProbeWorker | undefined {
    return this.workers.get(workerKey(uid, name, type));
  }

  workerCount(): number {
    return this.workers.size;
  }

  /** Stops every worker (the kubelet is stopping). */
  stop(): void {
    for (const w of this.workers.values()) w.stop();
    this.workers.clear();
    this.pods.clear();
  }

  /** A running container the pod's last status called ready (or started) keeps that after a kubelet restart. */
  private adopt(pod: Readonly<Pod>, container: Readonly<Container>, type: ProbeType): void {
    const s = pod.status?.containerStatuses?.find((c) => c.name === container.name);
    const id = runtimeId(s?.containerID);
    if (!s || !id || !s.state.running) return;
    if (type === 'readiness' && s.ready) this.cache.readiness.set(id, 'success');
    if (type === 'startup' && s.started) this.cache.startup.set(id, 'success');
  }

  private resultSet(pod: Readonly<Pod>, type: ProbeType, result: ProbeResult, changed: boolean): void {
    // Liveness successes change nothing the kubelet shows; everything else is worth a sync.
    if (!changed || (type === 'liveness' && result !== 'failure')) return;
    this.o.log?.debug({ pod: objectKey(pod), probe: type, result }, 'probe result changed');
    this.listener?.(objectKey(pod));
  }
}
