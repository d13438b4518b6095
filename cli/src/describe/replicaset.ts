// describe replicaset, after kubectl's describeReplicaSet: replicas, the phases of the pods it
// controls, its pod template and events.

import { controllerOf, formatLabelSelector, type Event, type Pod, type PodTemplateSpec, type ReplicaSet } from '@skiff/api';
import { writeVolumes } from './container-config.js';
import { writeEvents } from './events.js';
import { writeContainers, writeTolerations } from './pod.js';
import { LEVEL_0, LEVEL_1, PrefixWriter, writeAnnotations, writeLabels } from './prefix-writer.js';

export interface PodPhaseCounts {
  running: number;
  waiting: number;
  succeeded: number;
  failed: number;
}

/** getPodStatusForController: the phases of the pods this controller (by uid) owns. */
export function countPodPhases(pods: readonly Pod[], ownerUid: string | undefined): PodPhaseCounts {
  const c: PodPhaseCounts = { running: 0, waiting: 0, succeeded: 0, failed: 0 };
  for (const p of pods) {
    const owner = controllerOf(p);
    if (ownerUid !== undefined && owner?.uid !== ownerUid) continue;
    switch (p.status?.phase) {
      case 'Running':
        c.running++;
        break;
      case 'Pending':
      case undefined:
        c.waiting++;
        break;
      case 'Succeeded':
        c.succeeded++;
        break;
      case 'Failed':
        c.failed++;
        break;
      default:
        break;
    }
  }
  return c;
}

/** DescribePodTemplate. */
export function writePodTemplate(w: PrefixWriter, template: Readonly<PodTemplateSpec> | undefined): void {
  w.write(LEVEL_0, 'Pod Template:\n');
  if (!template) {
    w.write(LEVEL_1, '<unset>');
    return;
  }
  writeLabels(w, '  Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length > 0) writeAnnotations(w, '  Annotations', template.metadata?.annotations);
  if (template.spec?.initContainers?.length) writeContainers(w, 'Init Containers', template.spec.initContainers, undefined, '  ');
  writeContainers(w, 'Containers', template.spec?.containers ?? [], undefined, '  ');
  writeVolumes(w, template.spec?.volumes, '  ');
  writeLabels(w, '  Node-Selectors', template.spec?.nodeSelector);
  writeTolerations(w, '  Tolerations', template.spec?.tolerations);
}

export function describeReplicaSet(rs: Readonly<ReplicaSet>, counts: PodPhaseCounts | Error, events: readonly Event[] | undefined, now: number): string {
  const w = new PrefixWriter();
  w.write(LEVEL_0, `Name:\t${rs.metadata.name ?? ''}\n`);
  w.write(LEVEL_0, `Namespace:\t${rs.metadata.namespace ?? ''}\n`);
  w.write(LEVEL_0, `Selector:\t${formatLabelSelector(rs.spec?.selector)}\n`);
  writeLabels(w, 'Labels', rs.metadata.labels);
  writeAnnotations(w, 'Annotations', rs.metadata.annotations);
  const owner = controllerOf(rs);
  if (owner) w.write(LEVEL_0, `Controlled By:\t${owner.kind}/${owner.name}\n`);
  w.write(LEVEL_0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec?.replicas ?? 1} desired\n`);
  w.write(LEVEL_0, 'Pods Status:\t');
  if (counts instanceof Error) w.write(LEVEL_0, `error in fetching pods: ${counts.message}\n`);
  else w.write(LEVEL_0, `${counts.running} Running / ${counts.waiting} Waiting / ${counts.succeeded} Succeeded / ${counts.failed} Failed\n`);
  writePodTemplate(w, rs.spec?.template);
  if (rs.status?.conditions?.length) {
    w.write(LEVEL_0, 'Conditions:\n  Type\tStatus\tReason\n');
    w.write(LEVEL_1, '----\t------\t------\n');
    for (const c of rs.status.conditions) w.write(LEVEL_1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
  }
  if (events) writeEvents(w, events, now);
  return w.toString();
}
