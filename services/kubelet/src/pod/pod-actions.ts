// Deciding, apart from doing: what must happen to make the runtime match a pod's spec. A pure
// function of the pod and what the runtime holds for it, after Kubernetes'
// kubeGenericRuntimeManager.computePodActions (pkg/kubelet/kuberuntime/kuberuntime_manager.go):
//
// - no running sandbox (infra container) → kill what is left and create a new sandbox, then start
//   the first init container, or every container (OnFailure: not those that succeeded) — unless
//   the pod is done: restartPolicy Never after a sandbox existed, or nothing is left to start;
// - init containers run one at a time, in order, each to exit 0 before the next and before any
//   app container (findNextInitContainerToRun); a failed one is started again after its back-off
//   (restartPolicy Never: the pod is killed, and Failed);
// - otherwise each container that is not running is started again when its restart policy says so
//   (Always; OnFailure after a non-zero exit; Never: never), after its back-off window;
// - a running container whose image changed, or whose liveness (startup) probe failed, is killed
//   and started again (not under restartPolicy Never);
// - nothing running and nothing to start → kill the pod (stop the sandbox).
//
// The back-off window of a start is counted from the newest dead instance of the container. It
// also picks the dead containers to remove: one dead container per container is kept (for
// `logs --previous` and the status) and removed once superseded; older sandboxes go, and with a
// new sandbox the init containers of the old one (they all run again).

import type { Container, Pod } from '@skiff/api';
import { formatDuration, type BackOffState } from './backoff.js';
import { runningInfra, type ObservedContainer, type ObservedPod } from './observed.js';

export interface ContainerStart {
  /** Index in spec.containers (spec.initContainers for an init container). */
  index: number;
  /** An init container. */
  init?: boolean;
  name: string;
  /** The restart count the new container carries (its predecessor's + 1, or 0). */
  restartCount: number;
  /** The dead container it replaces: its finish time feeds the back-off. */
  replaces?: ObservedContainer;
}

export interface ContainerBackOff {
  name: string;
  durationMs: number;
  remainingMs: number;
  /** Kubernetes' text: `back-off 10s restarting failed container=web pod=web-1_default(uid)`. */
  message: string;
}

export interface ContainerKill {
  id: string;
  name: string;
  /** The `Killing` event's text: `Container web failed liveness probe, will be restarted`. */
  message: string;
  /** The probe's terminationGracePeriodSeconds, when a probe failure is the reason and it sets one. */
  gracePeriodSeconds?: number;
}

export interface PodActions {
  /** Stop every running container of the pod, sandbox included. */
  killPod: boolean;
  createSandbox: boolean;
  /** Attempt number of the sandbox to create. */
  sandboxAttempt: number;
  /** The running sandbox new containers join (when not creating one). */
  sandboxId?: string;
  containersToKill: ContainerKill[];
  containersToStart: ContainerStart[];
  /** Containers that would start but are inside their back-off window (CrashLoopBackOff). */
  backOff: ContainerBackOff[];
  /** Dead containers no longer needed (ids). */
  containersToRemove: string[];
}

export interface ActionContext {
  /** The container's back-off state given when its last instance finished (ms since epoch). */
  backOff(containerName: string, finishedAtMs: number): BackOffState | undefined;
  /** Whether a running container's liveness or startup probe failed (it must be restarted). */
  probeFailure?(containerName: string, containerId: string): 'liveness' | 'startup' | undefined;
}

export function restartPolicyOf(pod: Readonly<Pod>): 'Always' | 'OnFailure' | 'Never' {
  return pod.spec.restartPolicy ?? 'Always';
}

function latestOf(observed: ObservedPod, name: string): ObservedContainer | undefined {
  return observed.containers.get(name)?.[0];
}

function succeeded(c: ObservedContainer | undefined): boolean {
  return c !== undefined && c.state === 'exited' && c.exitCode === 0;
}

/** isInitContainerFailed. */
function initFailed(c: ObservedContainer): boolean {
  return (c.state === 'exited' && c.exitCode !== 0) || c.state === 'unknown';
}

interface NextInit {
  /** Every init container succeeded (or an app container already runs). */
  done: boolean;
  /** The init container to start (again). */
  next?: number;
  /** The newest instance of `next` when it failed. */
  failed?: ObservedContainer;
}

/** findNextInitContainerToRun (kuberuntime_container.go), on the newest instance of each container. */
export function nextInitContainer(pod: Readonly<Pod>, observed: ObservedPod): NextInit {
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return { done: true };
  // A running app container means the init containers ran, even if they were removed since.
  if (pod.spec.containers.some((c) => latestOf(observed, c.name)?.state === 'running')) return { done: true };
  for (let i = inits.length - 1; i >= 0; i--) {
    const latest = latestOf(observed, inits[i]?.name ?? '');
    if (latest && initFailed(latest)) return { done: false, next: i, failed: latest };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const latest = latestOf(observed, inits[i]?.name ?? '');
    if (!latest) continue;
    if (latest.state === 'running') return { done: false };
    if (latest.state === 'exited') return i === inits.length - 1 ? { done: true } : { done: false, next: i + 1 };
    return { done: false, next: i }; // created but never started: start it
  }
  return { done: false, next: 0 };
}

/** kubecontainer.ShouldContainerBeRestarted, for a container that is not running. */
export function shouldContainerBeRestarted(pod: Readonly<Pod>, latest: ObservedContainer | undefined): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  if (latest === undefined) return true;
  if (latest.state === 'running') return false;
  if (latest.state === 'unknown' || latest.state === 'created') return true;
  const policy = restartPolicyOf(pod);
  if (policy === 'Never') return false;
  if (policy === 'OnFailure' && latest.exitCode === 0) return false;
  return true;
}

/** `name_namespace(uid)`, as Kubernetes' format.Pod names a pod in messages. */
export function podRef(pod: Readonly<Pod>): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

function isTerminalPhase(pod: Readonly<Pod>): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function computePodActions(pod: Readonly<Pod>, observed: ObservedPod, ctx: ActionContext): PodActions {
  const infra = runningInfra(observed);
  const newestInfra = observed.infra[0];
  const createSandbox = infra === undefined;
  const actions: PodActions = {
    killPod: createSandbox,
    createSandbox,
    sandboxAttempt: newestInfra ? newestInfra.attempt + 1 : 0,
    containersToKill: [],
    containersToStart: [],
    backOff: [],
    containersToRemove: [],
  };
  if (infra) actions.sandboxId = infra.id;
  const inits = pod.spec.initContainers ?? [];
  const initNames = new Set(inits.map((c) => c.name));
  const specNames = new Set([...pod.spec.containers.map((c) => c.name), ...initNames]);
  const policy = restartPolicyOf(pod);

  // Start candidates go through the back-off check before they become starts.
  const candidates: { index: number; container: Readonly<Container>; latest: ObservedContainer | undefined; init: boolean }[] = [];
  const initCandidate = (index: number): void => {
    const container = inits[index];
    if (container) candidates.push({ index, container, latest: latestOf(observed, container.name), init: true });
  };
  let keepCount = 0;
  /** A new sandbox runs every init container again: the old instances go. */
  let purgeInits = false;

  if (isTerminalPhase(pod)) {
    // A finished pod never runs again: stop whatever still runs.
    actions.createSandbox = false;
    actions.killPod = infra !== undefined || [...observed.containers.values()].some((l) => l.some((c) => c.state === 'running'));
  } else if (createSandbox) {
    const anyContainer = [...observed.containers.values()].some((l) => l.length > 0);
    if (policy === 'Never' && newestInfra !== undefined && anyContainer) {
      // The pod ran and must not restart: just make sure it is stopped.
      actions.createSandbox = false;
    } else if (inits.length > 0) {
      purgeInits = true;
      initCandidate(0);
    } else {
      pod.spec.containers.forEach((container, index) => {
        const latest = latestOf(observed, container.name);
        if (policy === 'OnFailure' && succeeded(latest)) return;
        candidates.push({ index, container, latest, init: false });
      });
      if (candidates.length === 0 && anyContainer) actions.createSandbox = false;
    }
  } else {
    // Running containers the spec does not know (cannot happen through the API; be safe).
    for (const [name, list] of observed.containers) {
      if (specNames.has(name)) continue;
      for (const c of list) if (c.state === 'running') actions.containersToKill.push({ id: c.id, name, message: `Container ${name} is not in the pod's spec` });
    }
    const init = nextInitContainer(pod, observed);
    if (!init.done) {
      // Initialization in progress, or failed: the app containers wait.
      if (init.next !== undefined) {
        if (init.failed && policy === 'Never') actions.killPod = true;
        else initCandidate(init.next);
      }
    } else {
      pod.spec.containers.forEach((container, index) => {
        const latest = latestOf(observed, container.name);
        if (latest === undefined || latest.state !== 'running') {
          if (shouldContainerBeRestarted(pod, latest)) candidates.push({ index, container, latest, init: false });
          return;
        }
        if (latest.image !== container.image) {
          // The spec changed: restart whatever the restart policy says.
          actions.containersToKill.push({ id: latest.id, name: container.name, message: `Container ${container.name} definition changed, will be restarted` });
          candidates.push({ index, container, latest, init: false });
          return;
        }
        const failure = ctx.probeFailure?.(container.name, latest.id);
        if (failure) {
          const restart = policy !== 'Never';
          const probe = failure === 'liveness' ? container.livenessProbe : container.startupProbe;
          const kill: ContainerKill = {
            id: latest.id,
            name: container.name,
            message: `Container ${container.name} failed ${failure} probe${restart ? ', will be restarted' : ''}`,
          };
          if (probe?.terminationGracePeriodSeconds !== undefined) kill.gracePeriodSeconds = probe.terminationGracePeriodSeconds;
          actions.containersToKill.push(kill);
          if (restart) candidates.push({ index, container, latest, init: false });
          return;
        }
        keepCount++;
      });
      if (keepCount === 0 && candidates.length === 0) actions.killPod = true;
    }
  }

  for (const { index, container, latest, init } of candidates) {
    const start: ContainerStart = { index, name: container.name, restartCount: latest ? latest.attempt + 1 : 0 };
    if (init) start.init = true;
    // doBackOff: the window runs from the newest instance that finished.
    const dead = (observed.containers.get(container.name) ?? []).find((c) => c.state === 'exited');
    if (dead) {
      start.replaces = dead;
      const state = ctx.backOff(container.name, Date.parse(dead.finishedAt ?? '') || dead.createdAt);
      if (state) {
        actions.backOff.push({
          name: container.name,
          durationMs: state.durationMs,
          remainingMs: state.remainingMs,
          message: `back-off ${formatDuration(state.durationMs)} restarting failed container=${container.name} pod=${podRef(pod)}`,
        });
        continue;
      }
    }
    actions.containersToStart.push(start);
  }

  // Garbage: older sandboxes (all of them when a new one is made), and containers beyond the
  // newest plus one dead predecessor (beyond the newest alone when a replacement starts now).
  for (const c of observed.infra) if (actions.createSandbox || c !== newestInfra) actions.containersToRemove.push(c.id);
  const starting = new Set(actions.containersToStart.map((s) => s.name));
  for (const [name, list] of observed.containers) {
    if (purgeInits && actions.createSandbox && initNames.has(name)) {
      // killPod stops the running ones first.
      for (const c of list) actions.containersToRemove.push(c.id);
      continue;
    }
    const keep = !specNames.has(name) ? 0 : starting.has(name) ? 1 : 2;
    for (const c of list.slice(keep)) if (c.state !== 'running') actions.containersToRemove.push(c.id);
  }
  return actions;
}

/** True when the actions change nothing. */
export function isNoop(a: PodActions): boolean {
  return !a.killPod && !a.createSandbox && a.containersToKill.length === 0 && a.containersToStart.length === 0 && a.containersToRemove.length === 0;
}
