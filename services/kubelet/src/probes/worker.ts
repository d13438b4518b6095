// One probe of one container of one pod, probed every periodSeconds (Kubernetes' prober/worker.go).
// `doProbe` is one step of the state machine:
//
// - it follows the container by id through the pod status the kubelet last computed: a new
//   instance starts from the initial result (readiness: failure, liveness: success, startup:
//   unknown) and resumes probing;
// - a container that is not running counts as failed; once it will never run again (restartPolicy
//   Never) the worker ends, and so it does when the pod is finished;
// - nothing is probed during initialDelaySeconds; liveness and readiness wait for the startup
//   probe to succeed, after which the startup probe stops;
// - a result only counts after failureThreshold failures or successThreshold successes in a row;
// - a liveness or startup failure puts the worker on hold until a new container instance appears
//   (the kubelet kills and restarts this one); a pod being deleted stops liveness and startup.

import type { Container, ContainerStatus, Pod, PodStatus } from '@skiff/api';
import type { Clock } from '@skiff/machinery';
import type { ContainerProber } from './prober.js';
import { probeOf, probeSettings, type ProbeResult, type ProbeSettings, type ProbeType, type ResultsCache } from './results.js';

/** What a worker needs from its manager. */
export interface WorkerHost {
  readonly clock: Clock;
  readonly prober: ContainerProber;
  /** The pod as last synced and the status the kubelet last computed for it. */
  podState(uid: string): { pod: Readonly<Pod>; status: Readonly<PodStatus> | undefined } | undefined;
  results(type: ProbeType): ResultsCache;
  /** A result was set for a container (`changed`: it differs from what was there). */
  resultSet(pod: Readonly<Pod>, type: ProbeType, result: ProbeResult, changed: boolean): void;
}

const INITIAL: Record<ProbeType, ProbeResult> = { readiness: 'failure', liveness: 'success', startup: 'unknown' };

/** `docker://abc` → `abc`. */
export function runtimeId(containerID: string | undefined): string | undefined {
  if (!containerID) return undefined;
  const i = containerID.indexOf('://');
  return i >= 0 ? containerID.slice(i + 3) : containerID;
}

export class ProbeWorker {
  readonly settings: ProbeSettings;
  readonly uid: string;
  /** The container instance being probed. */
  containerId: string | undefined;
  lastResult: ProbeResult | undefined;
  /** How many probes in a row gave lastResult. */
  resultRun = 0;
  onHold = false;
  private stopped = false;
  private triggered = false;
  private wake: (() => void) | undefined;
  private timer: unknown;

  constructor(
    private readonly host: WorkerHost,
    pod: Readonly<Pod>,
    readonly container: Readonly<Container>,
    readonly type: ProbeType,
  ) {
    this.uid = pod.metadata.uid ?? '';
    const spec = probeOf(container, type);
    if (!spec) throw new Error(`container ${container.name} has no ${type} probe`);
    this.settings = probeSettings(spec, type);
  }

  /** Probes once if it is time to; false when the worker should end. */
  async doProbe(): Promise<boolean> {
    const state = this.host.podState(this.uid);
    if (!state?.status) return true; // not synced yet, or already gone
    const { pod, status } = state;
    if (status.phase === 'Succeeded' || status.phase === 'Failed') return false;
    const c: Readonly<ContainerStatus> | undefined = status.containerStatuses?.find((s) => s.name === this.container.name);
    const id = runtimeId(c?.containerID);
    if (!c || !id) return true; // not created yet

    const results = this.host.results(this.type);
    if (this.containerId !== id) {
      if (this.containerId !== undefined) results.remove(this.containerId);
      this.containerId = id;
      // A result the manager already knows (adopted from the pod's status after a kubelet restart) stands.
      if (!results.has(id)) this.set(pod, INITIAL[this.type]);
      this.onHold = false;
      this.lastResult = undefined;
      this.resultRun = 0;
    }
    if (this.onHold) return true;

    if (!c.state.running) {
      this.set(pod, 'failure');
      // Keep going unless the container will never run again.
      return !(c.state.terminated && (pod.spec.restartPolicy ?? 'Always') === 'Never');
    }
    if (pod.metadata.deletionTimestamp && (this.type === 'liveness' || this.type === 'startup')) {
      // Being deleted: liveness and startup no longer matter (quiet shutdown).
      this.set(pod, 'success');
      return false;
    }
    const startedAt = Date.parse(c.state.running.startedAt ?? '');
    if (Number.isFinite(startedAt) && this.host.clock.now() - startedAt < this.settings.initialDelayMs) return true;
    if (c.started === true) {
      if (this.type === 'startup') return true; // done once started
    } else if (this.type !== 'startup') {
      return true; // liveness and readiness wait for the startup probe
    }

    const result = await this.host.prober.probe(this.type, { pod, container: this.container, containerId: id, podIP: status.podIP });
    if (this.stopped || this.containerId !== id) return !this.stopped;
    if (result === 'unknown') return true;
    if (result === this.lastResult) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    if ((result === 'failure' && this.resultRun < this.settings.failureThreshold) || (result === 'success' && this.resultRun < this.settings.successThreshold)) {
      return true;
    }
    this.set(pod, result);
    if ((this.type === 'liveness' || this.type === 'startup') && result === 'failure') {
      // The kubelet restarts the container: wait for the next one.
      this.onHold = true;
      this.resultRun = 0;
    }
    return true;
  }

  /** Probes every period until stopped or done; `onExit` runs once it ends. */
  async run(onExit: () => void): Promise<void> {
    try {
      while (!this.stopped) {
        let keepGoing = true;
        try {
          keepGoing = await this.doProbe();
        } catch {
          // A bug in a probe must not end probing.
        }
        if (!keepGoing || this.stopped) break;
        await this.tick();
      }
    } finally {
      if (this.containerId !== undefined) this.host.results(this.type).remove(this.containerId);
      onExit();
    }
  }

  /** Probe now rather than at the next period (buffered, as Kubernetes' manualTriggerCh). */
  trigger(): void {
    if (this.wake) this.wake();
    else this.triggered = true;
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private tick(): Promise<void> {
    if (this.triggered) {
      this.triggered = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.host.clock.clearTimeout(this.timer);
        this.wake = undefined;
        resolve();
      };
      this.timer = this.host.clock.setTimeout(() => this.wake?.(), this.settings.periodMs);
    });
  }

  private set(pod: Readonly<Pod>, result: ProbeResult): void {
    if (this.containerId === undefined) return;
    const changed = this.host.results(this.type).set(this.containerId, result);
    this.host.resultSet(pod, this.type, result, changed);
  }
}
