// describe pod, after kubectl's describePod (staging/src/k8s.io/kubectl/pkg/describe/describe.go).

import { age, controllerOf, cpuMillis, memoryBytes, type Container, type ContainerState, type ContainerStatus, type Event, type Pod, type Toleration } from '@skiff/api';
import { writeEnvironment, writeMounts, writeProbes, writeVolumes } from './container-config.js';
import { writeEvents } from './events.js';
import { LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, PrefixWriter, rfc1123z, writeAnnotations, writeLabels } from './prefix-writer.js';

/** Guaranteed, Burstable or BestEffort, as the kubelet's qos.GetPodQOS decides. */
export function podQOS(pod: Readonly<Pod>): string {
  if (pod.status?.qosClass) return pod.status.qosClass;
  const containers = pod.spec?.containers ?? [];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory'] as const) {
      const q = req[r] ?? lim[r];
      if (q !== undefined && (r === 'cpu' ? cpuMillis(q) : memoryBytes(q)) > 0) any = true;
      const l = lim[r];
      if (l === undefined) {
        guaranteed = false;
        continue;
      }
      const rq = req[r];
      if (rq !== undefined && (r === 'cpu' ? cpuMillis(rq) !== cpuMillis(l) : memoryBytes(rq) !== memoryBytes(l))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function writeState(w: PrefixWriter, name: string, state: Readonly<ContainerState> | undefined): void {
  if (state?.running) {
    w.write(LEVEL_2, `${name}:\tRunning\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(state.running.startedAt)}\n`);
  } else if (state?.waiting) {
    w.write(LEVEL_2, `${name}:\tWaiting\n`);
    if (state.waiting.reason) w.write(LEVEL_3, `Reason:\t${state.waiting.reason}\n`);
    if (state.waiting.message) w.write(LEVEL_3, `Message:\t${state.waiting.message}\n`);
  } else if (state?.terminated) {
    const t = state.terminated;
    w.write(LEVEL_2, `${name}:\tTerminated\n`);
    if (t.reason) w.write(LEVEL_3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(LEVEL_3, `Message:\t${t.message}\n`);
    w.write(LEVEL_3, `Exit Code:\t${t.exitCode}\n`);
    if (t.signal) w.write(LEVEL_3, `Signal:\t${t.signal}\n`);
    w.write(LEVEL_3, `Started:\t${rfc1123z(t.startedAt)}\n`);
    w.write(LEVEL_3, `Finished:\t${rfc1123z(t.finishedAt)}\n`);
  } else {
    w.write(LEVEL_2, `${name}:\tWaiting\n`);
  }
}

function ports(c: Readonly<Container>, host: boolean): string {
  return (c.ports ?? []).map((p) => `${host ? (p.hostPort ?? 0) : p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ');
}

/** describeContainers: one block per container, with its status when there is one (`pod`: for values taken from its fields). */
export function writeContainers(
  w: PrefixWriter,
  label: string,
  containers: readonly Container[],
  statuses: readonly ContainerStatus[] | undefined,
  space = '',
  pod?: Readonly<Pod>,
): void {
  w.write(LEVEL_0, `${space}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  const nameIndent = space ? ' ' : '';
  for (const c of containers) {
    const st = byName.get(c.name);
    w.write(LEVEL_1, `${nameIndent}${c.name}:\n`);
    if (st) w.write(LEVEL_2, `Container ID:\t${st.containerID ?? ''}\n`);
    w.write(LEVEL_2, `Image:\t${c.image}\n`);
    if (st) w.write(LEVEL_2, `Image ID:\t${st.imageID ?? ''}\n`);
    const p = ports(c, false);
    const hp = ports(c, true);
    w.write(LEVEL_2, p.includes(',') ? `Ports:\t${p}\n` : `Port:\t${p || '<none>'}\n`);
    w.write(LEVEL_2, hp.includes(',') ? `Host Ports:\t${hp}\n` : `Host Port:\t${hp || '<none>'}\n`);
    if (c.command?.length) {
      w.write(LEVEL_2, 'Command:\n');
      for (const s of c.command.flatMap((x) => x.split('\n'))) w.write(LEVEL_3, `${s}\n`);
    }
    if (c.args?.length) {
      w.write(LEVEL_2, 'Args:\n');
      for (const s of c.args.flatMap((x) => x.split('\n'))) w.write(LEVEL_3, `${s}\n`);
    }
    if (st) {
      writeState(w, 'State', st.state);
      if (st.lastState?.terminated) writeState(w, 'Last State', st.lastState);
      w.write(LEVEL_2, `Ready:\t${st.ready ? 'True' : 'False'}\n`);
      w.write(LEVEL_2, `Restart Count:\t${st.restartCount ?? 0}\n`);
    }
    for (const [title, list] of [['Limits', c.resources?.limits], ['Requests', c.resources?.requests]] as const) {
      const keys = Object.keys(list ?? {}).filter((k) => list?.[k] !== undefined).sort();
      if (keys.length === 0) continue;
      w.write(LEVEL_2, `${title}:\n`);
      for (const k of keys) w.write(LEVEL_3, `${k}:\t${list?.[k] ?? ''}\n`);
    }
    writeProbes(w, c);
    if (c.workingDir) w.write(LEVEL_2, `Working Dir:\t${c.workingDir}\n`);
    writeEnvironment(w, pod, c);
    writeMounts(w, c);
  }
}

/** printTolerationsMultiline. */
export function writeTolerations(w: PrefixWriter, title: string, tolerations: readonly Toleration[] | undefined): void {
  w.write(LEVEL_0, `${title}:\t`);
  const list = [...(tolerations ?? [])].sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0));
  if (list.length === 0) {
    w.write(LEVEL_0, '<none>\n');
    return;
  }
  list.forEach((t, i) => {
    if (i !== 0) w.write(LEVEL_0, '\t');
    let s = t.key ?? '';
    if (t.value) s += `=${t.value}`;
    if (t.effect) s += `:${t.effect}`;
    if (t.operator === 'Exists' && !t.value) s += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined) s += ` for ${t.tolerationSeconds}s`;
    w.write(LEVEL_0, `${s}\n`);
  });
}

export function describePod(pod: Readonly<Pod>, events: readonly Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  const status = pod.status ?? {};
  w.write(LEVEL_0, `Name:\t${pod.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${pod.metadata.namespace ?? ''}\n`);
  w.write(LEVEL_0, pod.spec?.nodeName ? `Node:\t${pod.spec.nodeName}/${status.hostIP ?? ''}\n` : 'Node:\t<none>\n');
  if (status.startTime) w.write(LEVEL_0, `Start Time:\t${rfc1123z(status.startTime)}\n`);
  writeLabels(w, 'Labels', pod.metadata.labels);
  writeAnnotations(w, 'Annotations', pod.metadata.annotations);
  if (pod.metadata.deletionTimestamp && status.phase !== 'Failed' && status.phase !== 'Succeeded') {
    w.write(LEVEL_0, `Status:\tTerminating (lasts ${age(pod.metadata.deletionTimestamp, now)})\n`);
    w.write(LEVEL_0, `Termination Grace Period:\t${pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30}s\n`);
  } else {
    w.write(LEVEL_0, `Status:\t${status.phase ?? ''}\n`);
  }
  if (status.reason) w.write(LEVEL_0, `Reason:\t${status.reason}\n`);
  if (status.message) w.write(LEVEL_0, `Message:\t${status.message}\n`);
  w.write(LEVEL_0, `IP:\t${status.podIP ?? ''}\n`);
  const ips = status.podIPs?.length ? status.podIPs.map((p) => p.ip) : status.podIP ? [status.podIP] : [];
  if (ips.length === 0) {
    w.write(LEVEL_0, 'IPs:\t<none>\n');
  } else {
    w.write(LEVEL_0, 'IPs:\n');
    for (const ip of ips) w.write(LEVEL_1, `IP:\t${ip}\n`);
  }
  const owner = controllerOf(pod);
  if (owner) w.write(LEVEL_0, `Controlled By:\t${owner.kind}/${owner.name}\n`);
  if (pod.spec?.initContainers?.length) writeContainers(w, 'Init Containers', pod.spec.initContainers, status.initContainerStatuses, '', pod);
  writeContainers(w, 'Containers', pod.spec?.containers ?? [], status.containerStatuses, '', pod);
  if (status.conditions?.length) {
    w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\n');
    for (const c of status.conditions) w.write(LEVEL_1, `${c.type} \t${c.status} \n`);
  }
  writeVolumes(w, pod.spec?.volumes);
  w.write(LEVEL_0, `QoS Class:\t${podQOS(pod)}\n`);
  writeLabels(w, 'Node-Selectors', pod.spec?.nodeSelector);
  writeTolerations(w, 'Tolerations', pod.spec?.tolerations);
  if (events) writeEvents(w, events, now);
  return w.toString();
}
