// The pod's API status from what the runtime holds (pure), after Kubernetes' generateAPIPodStatus
// and getPhase (pkg/kubelet/kubelet_pods.go) and pkg/kubelet/status/generate.go:
//
// - containerStatuses (and initContainerStatuses): the newest instance of each container gives
//   `state`, the one before it (or the newest, when a restart is pending) `lastState`; a container
//   the kubelet could not start shows `waiting` with the reason it knows (ErrImageNeverPull,
//   CrashLoopBackOff, ...), else ContainerCreating (PodInitializing in a pod with init containers);
// - started/ready: a running container has started once its startup probe succeeded and is ready
//   once its readiness probe succeeded (without probes: as soon as it runs); an init container is
//   ready once it exited 0;
// - phase: Pending while init containers have not all succeeded or a container waits to be started
//   for the first time, Running while one runs, and once all have stopped: Running when they will
//   restart, else Succeeded/Failed (Failed too when an init container failed under restartPolicy
//   Never). A terminal phase never changes again;
// - conditions: PodReadyToStartContainers, Initialized (every init container exited 0), Ready,
//   ContainersReady (every container ready), PodScheduled, with lastTransitionTime kept while a
//   condition's status does not change.

import { nowRFC3339, type Condition, type ContainerState, type ContainerStateTerminated, type ContainerStatus, type Pod, type PodPhase, type PodStatus } from '@skiff/api';
import type { ProbeStatusSource } from '../probes/probe-manager.js';
import { runningInfra, type ObservedContainer, type ObservedPod } from './observed.js';

export interface WaitingReason {
  reason: string;
  message?: string;
}

export interface StatusInput {
  now: number;
  /** The node's address. */
  hostIP: string;
  /** Why a container is waiting, when the kubelet knows better than "ContainerCreating". */
  waiting: ReadonlyMap<string, WaitingReason>;
  /** Prefix of container ids: `docker://<id>`. */
  runtimeName?: string;
  /** Whether running containers have started and are ready (their probes); without it, as soon as they run. */
  probes?: ProbeStatusSource;
}

export interface ContainerStatusOptions {
  runtime?: string;
  /** The reason a container that has not been created yet waits for (default ContainerCreating). */
  defaultWaiting?: string;
  probes?: ProbeStatusSource;
  /** An init container: ready once it exited 0. */
  init?: boolean;
}

const KUBELET_CONDITIONS = new Set(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

/** Docker's RFC 3339 with nanoseconds → the API's seconds. */
export function apiTime(t: string | undefined): string | undefined {
  if (t === undefined) return undefined;
  const ms = Date.parse(t.replace(/(\.\d{3})\d+Z$/, '$1Z'));
  return Number.isNaN(ms) ? undefined : nowRFC3339(new Date(ms));
}

function terminatedState(c: ObservedContainer, runtime: string): ContainerStateTerminated {
  const t: ContainerStateTerminated = {
    exitCode: c.exitCode,
    reason: c.oomKilled ? 'OOMKilled' : c.error ? 'StartError' : c.exitCode === 0 ? 'Completed' : 'Error',
    containerID: `${runtime}://${c.id}`,
  };
  if (c.error) t.message = c.error;
  const started = apiTime(c.startedAt);
  const finished = apiTime(c.finishedAt);
  if (started) t.startedAt = started;
  if (finished) t.finishedAt = finished;
  return t;
}

export function containerStatusFor(
  name: string,
  image: string,
  instances: readonly ObservedContainer[],
  waiting: WaitingReason | undefined,
  opts: ContainerStatusOptions = {},
): ContainerStatus {
  const runtime = opts.runtime ?? 'docker';
  const latest = instances[0];
  const previous = instances.slice(1).find((c) => c.state === 'exited');
  const status: ContainerStatus = {
    name,
    state: {},
    lastState: {},
    ready: false,
    started: false,
    restartCount: latest?.attempt ?? 0,
    image,
    imageID: latest?.imageID ? `${runtime}://${latest.imageID}` : '',
  };
  if (latest) status.containerID = `${runtime}://${latest.id}`;
  const waitingState = (w: WaitingReason | undefined): ContainerState => ({
    waiting: w ? { reason: w.reason, ...(w.message !== undefined ? { message: w.message } : {}) } : { reason: opts.defaultWaiting ?? 'ContainerCreating' },
  });
  if (latest === undefined) {
    status.state = waitingState(waiting);
  } else if (latest.state === 'running') {
    const startedAt = apiTime(latest.startedAt);
    status.state = { running: startedAt ? { startedAt } : {} };
    status.started = opts.init ? true : (opts.probes?.started(name, latest.id) ?? true);
    status.ready = opts.init ? false : status.started && (opts.probes?.ready(name, latest.id) ?? true);
    if (previous) status.lastState = { terminated: terminatedState(previous, runtime) };
  } else if (latest.state === 'exited') {
    if (waiting) {
      status.state = waitingState(waiting);
      status.lastState = { terminated: terminatedState(latest, runtime) };
    } else {
      status.state = { terminated: terminatedState(latest, runtime) };
      if (previous) status.lastState = { terminated: terminatedState(previous, runtime) };
      if (opts.init && latest.exitCode === 0 && !latest.error) status.ready = true;
    }
  } else {
    status.state = waitingState(waiting);
    if (previous) status.lastState = { terminated: terminatedState(previous, runtime) };
  }
  return status;
}

/** getPhase: init containers first, then the app containers. */
export function podPhase(pod: Readonly<Pod>, statuses: readonly ContainerStatus[], initStatuses: readonly ContainerStatus[] = []): PodPhase {
  let pendingInitialization = 0;
  let failedInitialization = 0;
  for (const c of pod.spec.initContainers ?? []) {
    const s = initStatuses.find((x) => x.name === c.name);
    if (!s || s.state.running) pendingInitialization++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.state.waiting && s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInitialization++;
    } else pendingInitialization++;
  }
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  let unknown = 0;
  for (const c of pod.spec.containers) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) unknown++;
    else if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInitialization > 0 && (pod.spec.restartPolicy ?? 'Always') === 'Never') return 'Failed';
  if (pendingInitialization > 0 || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    const policy = pod.spec.restartPolicy ?? 'Always';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** GenerateContainersReadyCondition; Ready has the same status, reason and message (no readiness gates). */
function containersReady(pod: Readonly<Pod>, statuses: readonly ContainerStatus[], phase: PodPhase): Omit<Condition, 'type'> {
  if (phase === 'Succeeded') return { status: 'False', reason: 'PodCompleted' };
  if (phase === 'Failed') return { status: 'False', reason: 'PodFailed' };
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of pod.spec.containers) {
    const s = statuses.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.ready) unready.push(c.name);
  }
  const parts: string[] = [];
  if (unknown.length > 0) parts.push(`containers with unknown status: [${unknown.join(' ')}]`);
  if (unready.length > 0) parts.push(`containers with unready status: [${unready.join(' ')}]`);
  return parts.length > 0 ? { status: 'False', reason: 'ContainersNotReady', message: parts.join(', ') } : { status: 'True' };
}

/** GeneratePodInitializedCondition: every init container exited 0 (or an app container started since). */
function initialized(pod: Readonly<Pod>, statuses: readonly ContainerStatus[], initStatuses: readonly ContainerStatus[], phase: PodPhase): Omit<Condition, 'type'> {
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return { status: 'True' };
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of inits) {
    const s = initStatuses.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (!s.state.terminated || s.state.terminated.exitCode !== 0) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { status: 'True', reason: 'PodCompleted' };
  if (statuses.some((s) => s.state.running || s.state.terminated)) return { status: 'True' };
  const parts: string[] = [];
  if (unknown.length > 0) parts.push(`containers with unknown status: [${unknown.join(' ')}]`);
  if (incomplete.length > 0) parts.push(`containers with incomplete status: [${incomplete.join(' ')}]`);
  return parts.length > 0 ? { status: 'False', reason: 'ContainersNotInitialized', message: parts.join(', ') } : { status: 'True' };
}

/** Keeps lastTransitionTime while the status does not change. */
function withTransition(type: string, c: Omit<Condition, 'type'>, old: readonly Condition[] | undefined, now: string): Condition {
  const prior = old?.find((x) => x.type === type);
  const cond: Condition = { type, status: c.status };
  cond.lastTransitionTime = prior && prior.status === c.status && prior.lastTransitionTime ? prior.lastTransitionTime : now;
  if (c.reason !== undefined) cond.reason = c.reason;
  if (c.message !== undefined) cond.message = c.message;
  return cond;
}

export function computePodStatus(pod: Readonly<Pod>, observed: ObservedPod, input: StatusInput): PodStatus {
  const old: PodStatus = pod.status ?? {};
  const runtime = input.runtimeName ?? 'docker';
  const now = nowRFC3339(new Date(input.now));
  const inits = pod.spec.initContainers ?? [];
  const defaultWaiting = inits.length > 0 ? 'PodInitializing' : 'ContainerCreating';
  const statusOf = (c: { name: string; image: string }, init: boolean): ContainerStatus =>
    containerStatusFor(c.name, c.image, observed.containers.get(c.name) ?? [], input.waiting.get(c.name), {
      runtime,
      defaultWaiting,
      init,
      ...(input.probes ? { probes: input.probes } : {}),
    });
  const initContainerStatuses = inits.map((c) => statusOf(c, true));
  const containerStatuses = pod.spec.containers.map((c) => statusOf(c, false));

  let phase = podPhase(pod, containerStatuses, initContainerStatuses);
  // Pods do not leave a terminal phase.
  if (old.phase === 'Succeeded' || old.phase === 'Failed') phase = old.phase;

  const infra = runningInfra(observed);
  const ready = containersReady(pod, containerStatuses, phase);
  const conditions: Condition[] = (old.conditions ?? []).filter((c) => !KUBELET_CONDITIONS.has(c.type));
  conditions.push(withTransition('PodReadyToStartContainers', { status: infra ? 'True' : 'False' }, old.conditions, now));
  conditions.push(withTransition('Initialized', initialized(pod, containerStatuses, initContainerStatuses, phase), old.conditions, now));
  conditions.push(withTransition('Ready', ready, old.conditions, now));
  conditions.push(withTransition('ContainersReady', ready, old.conditions, now));
  conditions.push(withTransition('PodScheduled', { status: 'True' }, old.conditions, now));

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: input.hostIP,
    startTime: old.startTime ?? now,
    ...(inits.length > 0 ? { initContainerStatuses } : {}),
    containerStatuses,
  };
  const podIP = infra?.ipAddress ?? old.podIP;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (old.qosClass !== undefined) status.qosClass = old.qosClass;
  if (old.reason !== undefined && old.phase === phase) status.reason = old.reason;
  if (old.message !== undefined && old.phase === phase) status.message = old.message;
  return status;
}

/** True when every container of the pod runs: the moment the pod-start SLI measures. */
export function allContainersRunning(status: PodStatus, pod: Readonly<Pod>): boolean {
  const statuses = status.containerStatuses ?? [];
  return pod.spec.containers.length > 0 && pod.spec.containers.every((c) => statuses.some((s) => s.name === c.name && s.state.running !== undefined));
}
