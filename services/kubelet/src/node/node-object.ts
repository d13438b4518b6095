// The Node object the kubelet registers and the status it keeps current (pure), after Kubernetes'
// pkg/kubelet/kubelet_node_status.go and pkg/kubelet/nodestatus/setters.go.

import { isDeepStrictEqual } from 'node:util';
import { memoryBytes, nowRFC3339, type Condition, type Node, type NodeStatus, type Taint } from '@skiff/api';
import type { MachineInfo } from './machine-info.js';

export const KUBELET_VERSION = 'v1.32.0-skiff';
/** Kubernetes' default maximum of pods per node. */
export const MAX_PODS = '110';

export interface NodeIdentity {
  name: string;
  /** InternalIP, and where the kubelet serves. */
  address: string;
  /** The kubelet's gRPC port (daemonEndpoints.kubeletEndpoint.Port). */
  port: number;
  labels: Record<string, string>;
  taints: Taint[];
  podCIDR?: string;
  /** Capacity overrides. */
  cpu?: string;
  memory?: string;
}

export interface RuntimeHealth {
  /** e.g. "docker://20.10.24"; undefined when unknown. */
  runtimeVersion?: string;
  /** Why the runtime is not usable; undefined when it answers. */
  error?: string;
  /** Why pods cannot get a network (no pod CIDR yet, ...); undefined when they can. */
  networkError?: string;
}

/** `key=value:Effect` or `key:Effect`, comma separated (--register-with-taints). */
export function parseTaints(text: string | undefined): Taint[] {
  if (!text) return [];
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => {
      const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t);
      if (!m) throw new Error(`invalid taint "${t}": expected key=value:Effect with Effect NoSchedule, PreferNoSchedule or NoExecute`);
      const taint: Taint = { key: m[1] ?? '', effect: m[3] as Taint['effect'] };
      if (m[2] !== undefined && m[2] !== '') taint.value = m[2];
      return taint;
    });
}

/** `k=v,k2=v2` (--node-labels). */
export function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const i = p.indexOf('=');
    if (i <= 0) throw new Error(`invalid node label "${p}": expected key=value`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

export function nodeLabels(id: NodeIdentity, machine: MachineInfo): Record<string, string> {
  return {
    'kubernetes.io/hostname': id.name,
    'kubernetes.io/os': machine.operatingSystem,
    'kubernetes.io/arch': machine.architecture,
    ...id.labels,
  };
}

function capacity(id: NodeIdentity, machine: MachineInfo): Record<string, string> {
  const mem = id.memory !== undefined ? memoryBytes(id.memory) : machine.memoryBytes;
  return { cpu: id.cpu ?? machine.cpu, memory: `${Math.floor(mem / 1024)}Ki`, pods: MAX_PODS };
}

function condition(type: string, status: Condition['status'], reason: string, message: string, old: readonly Condition[] | undefined, now: string): Condition {
  const prior = old?.find((c) => c.type === type);
  return {
    type,
    status,
    lastHeartbeatTime: now,
    lastTransitionTime: prior && prior.status === status && prior.lastTransitionTime ? prior.lastTransitionTime : now,
    reason,
    message,
  };
}

export function computeNodeStatus(id: NodeIdentity, machine: MachineInfo, health: RuntimeHealth, old: NodeStatus | undefined, nowMs: number): NodeStatus {
  const now = nowRFC3339(new Date(nowMs));
  const cap = capacity(id, machine);
  const conds = old?.conditions;
  const ready =
    health.error !== undefined
      ? condition('Ready', 'False', 'KubeletNotReady', `container runtime is down: ${health.error}`, conds, now)
      : health.networkError !== undefined
        ? condition('Ready', 'False', 'KubeletNotReady', `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:${health.networkError}`, conds, now)
        : condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status', conds, now);
  return {
    capacity: cap,
    allocatable: { ...cap },
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available', conds, now),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure', conds, now),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available', conds, now),
      ready,
    ],
    addresses: [
      { type: 'InternalIP', address: id.address },
      { type: 'Hostname', address: id.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: id.port } },
    nodeInfo: {
      kubeletVersion: KUBELET_VERSION,
      containerRuntimeVersion: health.runtimeVersion ?? old?.nodeInfo?.containerRuntimeVersion ?? '',
      operatingSystem: machine.operatingSystem,
      architecture: machine.architecture,
      osImage: machine.osImage,
      kernelVersion: machine.kernelVersion,
      machineID: machine.machineID,
      systemUUID: machine.machineID,
      bootID: machine.bootID,
      kubeProxyVersion: '',
    },
  };
}

/** The Node to create when none exists. */
export function newNode(id: NodeIdentity, machine: MachineInfo, status: NodeStatus): Node {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: id.name, labels: nodeLabels(id, machine) },
    spec: {},
    status,
  };
  if (id.taints.length > 0) node.spec = { ...node.spec, taints: id.taints.map((t) => ({ ...t })) };
  if (id.podCIDR) node.spec = { ...node.spec, podCIDR: id.podCIDR, podCIDRs: [id.podCIDR] };
  return node;
}

/**
 * An existing Node (the kubelet restarted, or an old one had the name): our labels are merged in;
 * taints registered earlier are kept, as Kubernetes does.
 */
export function reconcileExistingNode(existing: Readonly<Node>, id: NodeIdentity, machine: MachineInfo): Node | undefined {
  const labels = { ...(existing.metadata.labels ?? {}), ...nodeLabels(id, machine) };
  const spec = { ...(existing.spec ?? {}) };
  if (id.podCIDR && !spec.podCIDR) {
    spec.podCIDR = id.podCIDR;
    spec.podCIDRs = [id.podCIDR];
  }
  if (isDeepStrictEqual(labels, existing.metadata.labels ?? {}) && isDeepStrictEqual(spec, existing.spec ?? {})) return undefined;
  return { ...existing, metadata: { ...existing.metadata, labels }, spec } as Node;
}

function withoutHeartbeats(s: NodeStatus | undefined): unknown {
  if (!s) return undefined;
  return { ...s, conditions: (s.conditions ?? []).map(({ lastHeartbeatTime: _h, ...rest }) => rest) };
}

/** True when the status differs in more than heartbeat times. */
export function nodeStatusChanged(a: NodeStatus | undefined, b: NodeStatus | undefined): boolean {
  return !isDeepStrictEqual(withoutHeartbeats(a), withoutHeartbeats(b));
}
