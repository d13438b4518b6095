// describe deployment, after kubectl's describeDeployment: replica counts, strategy, the pod
// template, conditions, the old and new ReplicaSets and the events (the controller's
// ScalingReplicaSet ones among them).

import { formatLabelSelector, type Deployment, type Event, type ReplicaSet } from '@skiff/api';
import { writeEvents } from './events.js';
import { LEVEL_0, LEVEL_1, PrefixWriter, rfc1123z, writeAnnotations, writeLabels } from './prefix-writer.js';
import { writePodTemplate } from './replicaset.js';

/** printReplicaSetsByLabels: `name (current/desired replicas created)`, comma-separated. */
export function replicaSetsSummary(replicaSets: readonly ReplicaSet[]): string {
  const s = replicaSets.map((rs) => `${rs.metadata.name ?? ''} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 1} replicas created)`).join(', ');
  return s === '' ? '<none>' : s;
}

/** An IntOrString as Go prints it. */
function intOrString(v: number | string | undefined): string {
  return v === undefined ? '<nil>' : String(v);
}

export function describeDeployment(
  d: Readonly<Deployment>,
  oldRSs: readonly ReplicaSet[],
  newRS: Readonly<ReplicaSet> | undefined,
  events: readonly Event[] | undefined,
  now: number,
): string {
  const w = new PrefixWriter();
  const spec = d.spec;
  const status = d.status ?? {};
  w.write(LEVEL_0, `Name:\t${d.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${d.metadata.namespace ?? ''}\n`);
  w.write(LEVEL_0, `CreationTimestamp:\t${rfc1123z(d.metadata.creationTimestamp)}\n`);
  writeLabels(w, 'Labels', d.metadata.labels);
  writeAnnotations(w, 'Annotations', d.metadata.annotations);
  w.write(LEVEL_0, `Selector:\t${formatLabelSelector(spec?.selector)}\n`);
  w.write(
    LEVEL_0,
    `Replicas:\t${spec?.replicas ?? 1} desired | ${status.updatedReplicas ?? 0} updated | ${status.replicas ?? 0} total | ${status.availableReplicas ?? 0} available | ${status.unavailableReplicas ?? 0} unavailable\n`,
  );
  w.write(LEVEL_0, `StrategyType:\t${spec?.strategy?.type ?? ''}\n`);
  w.write(LEVEL_0, `MinReadySeconds:\t${spec?.minReadySeconds ?? 0}\n`);
  const ru = spec?.strategy?.rollingUpdate;
  if (ru) w.write(LEVEL_0, `RollingUpdateStrategy:\t${intOrString(ru.maxUnavailable)} max unavailable, ${intOrString(ru.maxSurge)} max surge\n`);
  writePodTemplate(w, spec?.template);
  if (status.conditions?.length) {
    w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tReason\n');
    w.write(LEVEL_1, '----\t------\t------\n');
    for (const c of status.conditions) w.write(LEVEL_1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
  }
  if (oldRSs.length > 0 || newRS) {
    w.write(LEVEL_0, `OldReplicaSets:\t${replicaSetsSummary(oldRSs)}\n`);
    w.write(LEVEL_0, `NewReplicaSet:\t${replicaSetsSummary(newRS ? [newRS] : [])}\n`);
  }
  if (events) writeEvents(w, events, now);
  return w.toString();
}
