// The READY, STATUS and RESTARTS cells of `get pods`, following kubectl's printPod
// (pkg/printers/internalversion/printers.go): the phase, overridden by the pod's reason, then, while
// init containers have not all succeeded, by the first unfinished one (`Init:1/2`,
// `Init:CrashLoopBackOff`, `Init:Error`, `Init:ExitCode:N`), else by each app container's
// waiting/terminated reason (last container first, so the first one wins; `PodInitializing`
// comes from there), `Terminating` once deletionTimestamp is set on a pod that has not finished.

import type { ContainerStatus, Pod } from '../types.js';
import { age } from './duration.js';

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

export function podSummary(pod: Readonly<Pod>, now: number): PodSummary {
  const status = pod.status ?? {};
  const total = pod.spec?.containers?.length ?? 0;
  let readyContainers = 0;
  let restarts = 0;
  let lastRestart = 0;
  let reason: string = status.phase ?? '';
  if (status.reason) reason = status.reason;
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const noteRestarts = (c: Readonly<ContainerStatus>): void => {
    restarts += c.restartCount ?? 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished) {
      const t = Date.parse(finished);
      if (!Number.isNaN(t) && t > lastRestart) lastRestart = t;
    }
  };

  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  for (const [i, c] of inits.entries()) {
    noteRestarts(c);
    const st = c.state ?? {};
    if (st.terminated && st.terminated.exitCode === 0) continue;
    if (st.terminated) {
      const t = st.terminated;
      reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    } else if (st.waiting?.reason && st.waiting.reason !== 'PodInitializing') {
      reason = `Init:${st.waiting.reason}`;
    } else {
      reason = `Init:${i}/${pod.spec?.initContainers?.length ?? inits.length}`;
    }
    initializing = true;
    break;
  }

  let hasRunning = false;
  const initialized = status.conditions?.some((c) => c.type === 'Initialized' && c.status === 'True') ?? false;
  if (!initializing || initialized) {
    // The app containers' restarts are what the column counts once the pod is initialized.
    restarts = 0;
    lastRestart = 0;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (!c) continue;
      noteRestarts(c);
      const st = c.state ?? {};
      if (st.waiting?.reason) {
        reason = st.waiting.reason;
      } else if (st.terminated?.reason) {
        reason = st.terminated.reason;
      } else if (st.terminated) {
        reason = st.terminated.signal ? `Signal:${st.terminated.signal}` : `ExitCode:${st.terminated.exitCode}`;
      } else if (c.ready && st.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
  }
  // A pod whose containers completed but one still runs is Running (or NotReady).
  if (reason === 'Completed' && hasRunning) {
    const ready = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    reason = ready ? 'Running' : 'NotReady';
  }

  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && status.reason === 'NodeLost') {
    reason = 'Unknown';
  } else if (deleting && status.phase !== 'Succeeded' && status.phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== 0) {
    restartsText = `${restarts} (${age(new Date(lastRestart).toISOString(), now)} ago)`;
  }
  return { ready: `${readyContainers}/${total}`, status: reason, restarts: restartsText };
}
