// Columns of the core and workload kinds, after printers.go's podColumnDefinitions/printPod,
// nodeColumnDefinitions/printNode, replicaSetColumnDefinitions/printReplicaSet,
// deploymentColumnDefinitions/printDeployment, namespaceColumnDefinitions/printNamespace,
// eventColumnDefinitions/printEvent and leaseColumnDefinitions/printLease.

import type { Deployment, Event, Lease, Namespace, Node, Pod, ReplicaSet } from '../types.js';
import { AGE_COLUMN, NAME_COLUMN, NAME_DESCRIPTION, ageOf, column, orNone, type KindColumns } from './columns.js';
import { age } from './duration.js';
import { formatLabelSelector } from './labels.js';
import { podSummary } from './pod-status.js';

/** metav1.TableRowCondition: kubectl marks finished pods' rows Completed. */
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** printPod's row conditions: Succeeded and Failed pods are Completed rows. */
export function podRowConditions(pod: Readonly<Pod>): TableRowCondition[] | undefined {
  switch (pod.status?.phase) {
    case 'Succeeded':
      return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    case 'Failed':
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    default:
      return undefined;
  }
}

export const pods: KindColumns = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE_COLUMN,
    column('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { wide: true }),
    column('Node', 'NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName.', { wide: true }),
    column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', { wide: true }),
    column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True".', { wide: true }),
  ],
  cells(obj, now) {
    const pod = obj as Pod;
    const s = podSummary(pod, now);
    const status = pod.status as (Pod['status'] & { nominatedNodeName?: string }) | undefined;
    const ip = status?.podIPs?.[0]?.ip ?? status?.podIP;
    const gates = (pod.spec as { readinessGates?: { conditionType: string }[] } | undefined)?.readinessGates ?? [];
    let readinessGates = '<none>';
    if (gates.length > 0) {
      const trueConditions = gates.filter((g) => status?.conditions?.some((c) => c.type === g.conditionType && c.status === 'True')).length;
      readinessGates = `${trueConditions}/${gates.length}`;
    }
    return [pod.metadata.name ?? '', s.ready, s.status, s.restarts, ageOf(pod, now), orNone(ip), orNone(pod.spec?.nodeName), orNone(status?.nominatedNodeName), readinessGates];
  },
};

/** node-role.kubernetes.io/<role> labels and the kubernetes.io/role label, sorted (findNodeRoles). */
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

/** The STATUS of a node: Ready/NotReady/Unknown, plus SchedulingDisabled when cordoned. */
export function nodeStatus(node: Readonly<Node>): string {
  const status: string[] = [];
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

const addressesDescription = 'List of addresses reachable to the node.';

export const nodes: KindColumns = {
  columns: [
    NAME_COLUMN,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    AGE_COLUMN,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', addressesDescription, { wide: true }),
    column('External-IP', addressesDescription, { wide: true }),
    column('OS-Image', 'OS Image reported by the node from /etc/os-release.', { wide: true }),
    column('Kernel-Version', "Kernel Version reported by the node from 'uname -r'.", { wide: true }),
    column('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API.', { wide: true }),
  ],
  cells(obj, now) {
    const node = obj as Node;
    const info = node.status?.nodeInfo ?? {};
    const addr = (type: string): string => orNone(node.status?.addresses?.find((a) => a.type === type)?.address);
    const unknown = (s: string | undefined): string => (s ? s : '<unknown>');
    return [
      node.metadata.name ?? '',
      nodeStatus(node),
      nodeRoles(node).join(',') || '<none>',
      ageOf(node, now),
      info.kubeletVersion ?? '',
      addr('InternalIP'),
      addr('ExternalIP'),
      unknown(info.osImage),
      unknown(info.kernelVersion),
      unknown(info.containerRuntimeVersion),
    ];
  },
};

const containersColumn = column('Containers', 'Names of each container in the template.', { wide: true });
const imagesColumn = column('Images', 'Images referenced by each container in the template.', { wide: true });

/** The CONTAINERS, IMAGES and SELECTOR cells of a workload (layoutContainerCells). */
function templateCells(w: Readonly<ReplicaSet | Deployment>): string[] {
  const containers = w.spec?.template?.spec?.containers ?? [];
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(','), formatLabelSelector(w.spec?.selector)];
}

export const replicasets: KindColumns = {
  columns: [
    NAME_COLUMN,
    column('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
    column('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    column('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
    AGE_COLUMN,
    containersColumn,
    imagesColumn,
    column('Selector', 'Selector is a label query over pods that should match the replica count.', { wide: true }),
  ],
  cells(obj, now) {
    const rs = obj as ReplicaSet;
    return [rs.metadata.name ?? '', rs.spec?.replicas ?? 1, rs.status?.replicas ?? 0, rs.status?.readyReplicas ?? 0, ageOf(rs, now), ...templateCells(rs)];
  },
};

/** printDeployment: READY is ready/desired; UP-TO-DATE and AVAILABLE come from the status. */
export const deployments: KindColumns = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'Number of the pod with ready state'),
    column('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', { type: 'integer' }),
    column('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', { type: 'integer' }),
    AGE_COLUMN,
    containersColumn,
    imagesColumn,
    column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', { wide: true }),
  ],
  cells(obj, now) {
    const d = obj as Deployment;
    const status = d.status ?? {};
    return [d.metadata.name ?? '', `${status.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`, status.updatedReplicas ?? 0, status.availableReplicas ?? 0, ageOf(d, now), ...templateCells(d)];
  },
};

export const namespaces: KindColumns = {
  columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
  cells(obj, now) {
    const ns = obj as Namespace;
    return [ns.metadata.name ?? '', ns.status?.phase ?? '', ageOf(ns, now)];
  },
};

function eventTarget(e: Readonly<Event>): string {
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  return e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
}

export const events: KindColumns = {
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    column('Object', 'The object that this event is about.'),
    column('Subobject', 'If referring to a piece of an object instead of an entire object, a JSON/Go field access statement such as spec.containers{name}.', { wide: true }),
    column('Source', 'The component reporting this event.', { wide: true }),
    column('Message', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'The time at which the event was first recorded.', { wide: true }),
    column('Count', 'The number of times this event has occurred.', { wide: true }),
    column('Name', NAME_DESCRIPTION, { wide: true, format: 'name' }),
  ],
  cells(obj, now) {
    const e = obj as Event;
    const first = age(e.firstTimestamp ?? e.metadata.creationTimestamp, now);
    const last = e.lastTimestamp ? age(e.lastTimestamp, now) : first;
    const component = e.source?.component || e.reportingComponent || '';
    const host = e.source?.host || e.reportingInstance || '';
    const source = host ? `${component}, ${host}` : component;
    return [last, e.type ?? '', e.reason ?? '', eventTarget(e), e.involvedObject?.fieldPath ?? '', source, (e.message ?? '').trim(), first, e.count || 1, e.metadata.name ?? ''];
  },
};

export const leases: KindColumns = {
  columns: [NAME_COLUMN, column('Holder', 'The holder of the lease'), AGE_COLUMN],
  cells(obj, now) {
    const l = obj as Lease;
    return [l.metadata.name ?? '', l.spec?.holderIdentity ?? '', ageOf(l, now)];
  },
};
