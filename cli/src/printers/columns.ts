// The columns `get` prints per kind, as kubectl's table handlers define them
// (pkg/printers/internalversion/printers.go): the default columns, then the `-o wide` ones.

import type { Deployment, Event, KubeObject, Lease, Namespace, Node, Pod, ReplicaSet } from '@skiff/api';
import { age } from './age.js';
import { configmaps, limitranges, poddisruptionbudgets, resourcequotas, secrets } from './config-columns.js';
import { formatLabelSelector } from './labels.js';
import { podSummary } from './pod-status.js';

export interface TableDef {
  columns: string[];
  wideColumns: string[];
  /** The cells of one object: the default columns, then (when wide) the wide ones. */
  row(obj: Readonly<KubeObject>, now: number, wide: boolean): string[];
}

const orNone = (s: string | undefined): string => (s === undefined || s === '' ? '<none>' : s);

const pods: TableDef = {
  columns: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
  wideColumns: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
  row(obj, now, wide) {
    const pod = obj as Pod;
    const s = podSummary(pod, now);
    const cells = [pod.metadata.name ?? '', s.ready, s.status, s.restarts, age(pod.metadata.creationTimestamp, now)];
    if (wide) {
      const ip = pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP;
      const nominated = (pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName;
      cells.push(orNone(ip), orNone(pod.spec?.nodeName), orNone(nominated), '<none>');
    }
    return cells;
  },
};

/** node-role.kubernetes.io/<role> labels and the kubernetes.io/role label, sorted. */
export function nodeRoles(node: Readonly<Node>): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

export function nodeStatus(node: Readonly<Node>): string {
  const status: string[] = [];
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

const nodes: TableDef = {
  columns: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
  wideColumns: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
  row(obj, now, wide) {
    const node = obj as Node;
    const info = node.status?.nodeInfo ?? {};
    const roles = nodeRoles(node).join(',');
    const cells = [node.metadata.name ?? '', nodeStatus(node), roles || '<none>', age(node.metadata.creationTimestamp, now), info.kubeletVersion ?? ''];
    if (wide) {
      const addr = (type: string) => orNone(node.status?.addresses?.find((a) => a.type === type)?.address);
      const unknown = (s: string | undefined) => (s ? s : '<unknown>');
      cells.push(addr('InternalIP'), addr('ExternalIP'), unknown(info.osImage), unknown(info.kernelVersion), unknown(info.containerRuntimeVersion));
    }
    return cells;
  },
};

const replicasets: TableDef = {
  columns: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
  wideColumns: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  row(obj, now, wide) {
    const rs = obj as ReplicaSet;
    const cells = [
      rs.metadata.name ?? '',
      String(rs.spec?.replicas ?? 1),
      String(rs.status?.replicas ?? 0),
      String(rs.status?.readyReplicas ?? 0),
      age(rs.metadata.creationTimestamp, now),
    ];
    if (wide) {
      const containers = rs.spec?.template?.spec?.containers ?? [];
      cells.push(containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(','), formatLabelSelector(rs.spec?.selector));
    }
    return cells;
  },
};

/** printDeployment: READY is ready/desired; UP-TO-DATE and AVAILABLE come from the status. */
const deployments: TableDef = {
  columns: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
  wideColumns: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
  row(obj, now, wide) {
    const d = obj as Deployment;
    const status = d.status ?? {};
    const cells = [
      d.metadata.name ?? '',
      `${status.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
      String(status.updatedReplicas ?? 0),
      String(status.availableReplicas ?? 0),
      age(d.metadata.creationTimestamp, now),
    ];
    if (wide) {
      const containers = d.spec?.template?.spec?.containers ?? [];
      cells.push(containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(','), formatLabelSelector(d.spec?.selector));
    }
    return cells;
  },
};

const namespaces: TableDef = {
  columns: ['NAME', 'STATUS', 'AGE'],
  wideColumns: [],
  row(obj, now) {
    const ns = obj as Namespace;
    return [ns.metadata.name ?? '', ns.status?.phase ?? '', age(ns.metadata.creationTimestamp, now)];
  },
};

function eventTarget(e: Readonly<Event>): string {
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  return e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
}

const events: TableDef = {
  columns: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
  wideColumns: ['SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME'],
  row(obj, now, wide) {
    const e = obj as Event;
    const first = age(e.firstTimestamp ?? e.metadata.creationTimestamp, now);
    const last = e.lastTimestamp ? age(e.lastTimestamp, now) : first;
    const message = (e.message ?? '').trim();
    if (!wide) return [last, e.type ?? '', e.reason ?? '', eventTarget(e), message];
    const component = e.source?.component || e.reportingComponent || '';
    const host = e.source?.host || e.reportingInstance || '';
    const source = host ? `${component}, ${host}` : component;
    return [last, e.type ?? '', e.reason ?? '', eventTarget(e), e.involvedObject?.fieldPath ?? '', source, message, first, String(e.count || 1), e.metadata.name ?? ''];
  },
};

const leases: TableDef = {
  columns: ['NAME', 'HOLDER', 'AGE'],
  wideColumns: [],
  row(obj, now) {
    const l = obj as Lease;
    return [l.metadata.name ?? '', l.spec?.holderIdentity ?? '', age(l.metadata.creationTimestamp, now)];
  },
};

/** Kinds without their own columns: kubectl's default NAME and AGE. */
const generic: TableDef = {
  columns: ['NAME', 'AGE'],
  wideColumns: [],
  row(obj, now) {
    return [obj.metadata.name ?? '', age(obj.metadata.creationTimestamp, now)];
  },
};

const TABLES: Record<string, TableDef> = {
  pods,
  nodes,
  replicasets,
  deployments,
  namespaces,
  events,
  leases,
  configmaps,
  secrets,
  poddisruptionbudgets,
  resourcequotas,
  limitranges,
};

export function tableFor(resource: string): TableDef {
  return TABLES[resource] ?? generic;
}

/** The header of a table: the wide layout replaces the events' MESSAGE position, as kubectl does. */
export function headerFor(def: TableDef, wide: boolean): string[] {
  if (!wide) return def.columns;
  if (def === events) return ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', ...def.wideColumns];
  return [...def.columns, ...def.wideColumns];
}
