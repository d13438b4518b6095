// The READY, STATUS and RESTARTS cells of `get pods`, following kubectl's printPod
// (pkg/printers/internalversion/printers.go): the phase, overridden by the pod's reason, then by
// each container's waiting/terminated reason (last container first, so the first one wins),
// `Terminating` once deletionTimestamp is set on a pod that has not finished.

import type { Pod } from '@skiff/api';
import { age } from './age.js';

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

  let hasRunning = false;
  const statuses = status.containerStatuses ?? [];
  for (let i = statuses.length - 1; i >= 0; i--) {
    const c = statuses[i];
    if (!c) continue;
    restarts += c.restartCount ?? 0;
    const finished = c.lastState?.terminated?.finishedAt;
    if (finished) {
      const t = Date.parse(finished);
      if (!Number.isNaN(t) && t > lastRestart) lastRestart = t;
    }
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
