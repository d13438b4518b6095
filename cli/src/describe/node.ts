// describe node, after kubectl's describeNode: conditions, addresses, capacity, system info, the
// pods running there with their share of the node, and the node's events.

import { age, cpuMillis, memoryBytes, nodeRoles, type Event, type Lease, type Node, type Pod, type Taint } from '@skiff/api';
import { writeEvents } from './events.js';
import { LEVEL_0, LEVEL_1, PrefixWriter, rfc1123z, writeAnnotations, writeLabels } from './prefix-writer.js';
import { formatBytes, formatCpuMillis } from './quantity-format.js';

function taintString(t: Readonly<Taint>): string {
  return t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`;
}

function writeTaints(w: PrefixWriter, taints: readonly Taint[] | undefined): void {
  w.write(LEVEL_0, 'Taints:\t');
  const list = [...(taints ?? [])].sort((a, b) => {
    const ka = `${a.effect},${a.key}`;
    const kb = `${b.effect},${b.key}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  if (list.length === 0) {
    w.write(LEVEL_0, '<none>\n');
    return;
  }
  list.forEach((t, i) => {
    if (i !== 0) w.write(LEVEL_0, '\t');
    w.write(LEVEL_0, `${taintString(t)}\n`);
  });
}

interface PodResources {
  cpuReq: number;
  cpuLim: number;
  memReq: number;
  memLim: number;
}

/** Requests default to limits when only limits are set, as the apiserver defaults them. */
export function podResources(pod: Readonly<Pod>): PodResources {
  const r: PodResources = { cpuReq: 0, cpuLim: 0, memReq: 0, memLim: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    r.cpuReq += cpuMillis(req.cpu ?? lim.cpu);
    r.cpuLim += cpuMillis(lim.cpu);
    r.memReq += memoryBytes(req.memory ?? lim.memory);
    r.memLim += memoryBytes(lim.memory);
  }
  return r;
}

const pct = (part: number, whole: number): number => (whole > 0 ? Math.trunc((part / whole) * 100) : 0);

export function describeNode(node: Readonly<Node>, pods: readonly Pod[] | undefined, lease: Readonly<Lease> | undefined, events: readonly Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  const status = node.status ?? {};
  w.write(LEVEL_0, `Name:\t${node.metadata.name ?? ''}\n`);
  const roles = nodeRoles(node);
  w.write(LEVEL_0, `Roles:\t${roles.length > 0 ? roles.join(',') : '<none>'}\n`);
  writeLabels(w, 'Labels', node.metadata.labels);
  writeAnnotations(w, 'Annotations', node.metadata.annotations);
  w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}\n`);
  writeTaints(w, node.spec?.taints);
  w.write(LEVEL_0, `Unschedulable:\t${node.spec?.unschedulable === true}\n`);
  w.write(LEVEL_0, 'Lease:\n');
  w.write(LEVEL_1, `HolderIdentity:\t${lease?.spec?.holderIdentity ?? '<unset>'}\n`);
  w.write(LEVEL_1, `AcquireTime:\t${lease?.spec?.acquireTime ? rfc1123z(lease.spec.acquireTime) : '<unset>'}\n`);
  w.write(LEVEL_1, `RenewTime:\t${lease?.spec?.renewTime ? rfc1123z(lease.spec.renewTime) : '<unset>'}\n`);
  if (status.conditions?.length) {
    w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(LEVEL_1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of status.conditions) {
      w.write(LEVEL_1, `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`);
    }
  }
  w.write(LEVEL_0, 'Addresses:\n');
  for (const a of status.addresses ?? []) w.write(LEVEL_1, `${a.type}:\t${a.address}\n`);
  for (const [title, list] of [['Capacity', status.capacity], ['Allocatable', status.allocatable]] as const) {
    const keys = Object.keys(list ?? {}).filter((k) => list?.[k] !== undefined).sort();
    if (keys.length === 0) continue;
    w.write(LEVEL_0, `${title}:\n`);
    for (const k of keys) w.write(LEVEL_0, `  ${k}:\t${list?.[k] ?? ''}\n`);
  }
  const info = status.nodeInfo ?? {};
  w.write(LEVEL_0, 'System Info:\n');
  w.write(LEVEL_0, `  Machine ID:\t${info.machineID ?? ''}\n`);
  w.write(LEVEL_0, `  System UUID:\t${info.systemUUID ?? ''}\n`);
  w.write(LEVEL_0, `  Boot ID:\t${info.bootID ?? ''}\n`);
  w.write(LEVEL_0, `  Kernel Version:\t${info.kernelVersion ?? ''}\n`);
  w.write(LEVEL_0, `  OS Image:\t${info.osImage ?? ''}\n`);
  w.write(LEVEL_0, `  Operating System:\t${info.operatingSystem ?? ''}\n`);
  w.write(LEVEL_0, `  Architecture:\t${info.architecture ?? ''}\n`);
  w.write(LEVEL_0, `  Container Runtime Version:\t${info.containerRuntimeVersion ?? ''}\n`);
  w.write(LEVEL_0, `  Kubelet Version:\t${info.kubeletVersion ?? ''}\n`);
  w.write(LEVEL_0, `  Kube-Proxy Version:\t${info.kubeProxyVersion ?? ''}\n`);
  if (node.spec?.podCIDR) w.write(LEVEL_0, `PodCIDR:\t${node.spec.podCIDR}\n`);
  if (node.spec?.podCIDRs?.length) w.write(LEVEL_0, `PodCIDRs:\t${node.spec.podCIDRs.join(',')}\n`);

  if (pods) {
    const alloc = status.allocatable?.cpu !== undefined || status.allocatable?.memory !== undefined ? status.allocatable : status.capacity;
    const cpuAlloc = cpuMillis(alloc?.cpu);
    const memAlloc = memoryBytes(alloc?.memory);
    w.write(LEVEL_0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
    w.write(LEVEL_1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
    w.write(LEVEL_1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
    const total: PodResources = { cpuReq: 0, cpuLim: 0, memReq: 0, memLim: 0 };
    for (const pod of pods) {
      const r = podResources(pod);
      total.cpuReq += r.cpuReq;
      total.cpuLim += r.cpuLim;
      total.memReq += r.memReq;
      total.memLim += r.memLim;
      w.write(
        LEVEL_1,
        `${pod.metadata.namespace ?? ''}\t${pod.metadata.name ?? ''}\t\t` +
          `${formatCpuMillis(r.cpuReq)} (${pct(r.cpuReq, cpuAlloc)}%)\t${formatCpuMillis(r.cpuLim)} (${pct(r.cpuLim, cpuAlloc)}%)\t` +
          `${formatBytes(r.memReq)} (${pct(r.memReq, memAlloc)}%)\t${formatBytes(r.memLim)} (${pct(r.memLim, memAlloc)}%)\t` +
          `${age(pod.metadata.creationTimestamp, now)}\n`,
      );
    }
    w.write(LEVEL_0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
    w.write(LEVEL_1, 'Resource\tRequests\tLimits\n');
    w.write(LEVEL_1, '--------\t--------\t------\n');
    w.write(LEVEL_1, `cpu\t${formatCpuMillis(total.cpuReq)} (${pct(total.cpuReq, cpuAlloc)}%)\t${formatCpuMillis(total.cpuLim)} (${pct(total.cpuLim, cpuAlloc)}%)\n`);
    w.write(LEVEL_1, `memory\t${formatBytes(total.memReq)} (${pct(total.memReq, memAlloc)}%)\t${formatBytes(total.memLim)} (${pct(total.memLim, memAlloc)}%)\n`);
  }
  if (events) writeEvents(w, events, now);
  return w.toString();
}
