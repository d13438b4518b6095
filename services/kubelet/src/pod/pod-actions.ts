// Deciding, apart from doing: what must happen to make the runtime match a pod's spec. A pure
// function of the pod and what the runtime holds for it, after Kubernetes'
// kubeGenericRuntimeManager.computePodActions (pkg/kubelet/kuberuntime/kuberuntime_manager.go):
//
// - no running sandbox (infra container) → kill what is left and create a new sandbox, then start
//   every container (OnFailure: not those that succeeded) — unless the pod is done: restartPolicy
//   Never after a sandbox existed, or nothing is left to start;
// - otherwise each container that is not running is started again when its restart policy says so
//   (Always; OnFailure after a non-zero exit; Never: never), after its back-off window;
// - a running container whose image changed is killed and started again;
// - nothing running and nothing to start → kill the pod (stop the sandbox).
//
// It also picks the dead containers to remove: one dead container per app container is kept (for
// `logs --previous`) and removed once superseded; older sandboxes go.

import type { Container, Pod } from '@skiff/api';
import { formatDuration, type BackOffState } from './backoff.js';
import { runningInfra, type ObservedContainer, type ObservedPod } from './observed.js';

export interface ContainerStart {
  /** Index in spec.containers. */
  index: number;
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
  message: string;
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

function podRef(pod: Readonly<Pod>): string {
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
  const specNames = new Set(pod.spec.containers.map((c) => c.name));

  // Start candidates go through the back-off check before they become starts.
  const candidates: { index: number; container: Readonly<Container>; latest: ObservedContainer | undefined }[] = [];
  let keepCount = 0;

  if (isTerminalPhase(pod)) {
    // A finished pod never runs again: stop whatever still runs.
    actions.createSandbox = false;
    actions.killPod = infra !== undefined || [...observed.containers.values()].some((l) => l.some((c) => c.state === 'running'));
  } else if (createSandbox) {
    const anyAppContainer = [...observed.containers.values()].some((l) => l.length > 0);
    if (restartPolicyOf(pod) === 'Never' && newestInfra !== undefined && anyAppContainer) {
      // The pod ran and must not restart: just make sure it is stopped.
      actions.createSandbox = false;
    } else {
      pod.spec.containers.forEach((container, index) => {
        const latest = latestOf(observed, container.name);
        if (restartPolicyOf(pod) === 'OnFailure' && succeeded(latest)) return;
        candidates.push({ index, container, latest });
      });
      if (candidates.length === 0 && anyAppContainer) actions.createSandbox = false;
    }
  } else {
    pod.spec.containers.forEach((container, index) => {
      const latest = latestOf(observed, container.name);
      if (latest === undefined || latest.state !== 'running') {
        if (shouldContainerBeRestarted(pod, latest)) candidates.push({ index, container, latest });
        return;
      }
      if (latest.image !== container.image) {
        // The spec changed: restart whatever the restart policy says.
        actions.containersToKill.push({ id: latest.id, name: container.name, message: `Container ${container.name} definition changed, will be restarted` });
        candidates.push({ index, container, latest });
        return;
      }
      keepCount++;
    });
    // Running containers the spec does not know (cannot happen through the API; be safe).
    for (const [name, list] of observed.containers) {
      if (specNames.has(name)) continue;
      for (const c of list) if (c.state === 'running') actions.containersToKill.push({ id: c.id, name, message: `Container ${name} is not in the pod's spec` });
    }
    if (keepCount === 0 && candidates.length === 0) actions.killPod = true;
  }

  for (const { index, container, latest } of candidates) {
    const start: ContainerStart = { index, name: container.name, restartCount: latest ? latest.attempt + 1 : 0 };
    const dead = latest && latest.state === 'exited' ? latest : undefined;
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

  // Garbage: older sandboxes (all of them when a new one is made), and app containers beyond the
  // newest plus one dead predecessor (beyond the newest alone when a replacement starts now).
  for (const c of observed.infra) if (actions.createSandbox || c !== newestInfra) actions.containersToRemove.push(c.id);
  const starting = new Set(actions.containersToStart.map((s) => s.name));
  for (const [name, list] of observed.containers) {
    const keep = !specNames.has(name) ? 0 : starting.has(name) ? 1 : 2;
    for (const c of list.slice(keep)) if (c.state !== 'running') actions.containersToRemove.push(c.id);
  }
  return actions;
}

/** True when the actions change nothing. */
export function isNoop(a: PodActions): boolean {
  return !a.killPod && !a.createSandbox && a.containersToKill.length === 0 && a.containersToStart.length === 0 && a.containersToRemove.length === 0;
}
