// `rollout history`: a Deployment's revisions are its ReplicaSets' revision annotations, each with
// its change-cause, after kubectl's DeploymentHistoryViewer
// (k8s.io/kubectl/pkg/polymorphichelpers/history.go).

import type { PodTemplateSpec, ReplicaSet } from '@skiff/api';
import { writePodTemplate } from '../describe/replicaset.js';
import { PrefixWriter } from '../describe/prefix-writer.js';
import { DESCRIBE_OPTIONS, tabbed } from '../printers/tab-writer.js';
import { CHANGE_CAUSE_ANNOTATION, revisionOf } from './replica-sets.js';

export interface Revision {
  revision: number;
  /** The ReplicaSet's pod template, its change-cause (if any) among the template's annotations. */
  template: PodTemplateSpec;
  changeCause: string | undefined;
}

/** The revisions of these ReplicaSets, oldest first; a later ReplicaSet wins a repeated number. */
export function revisionHistory(replicaSets: readonly ReplicaSet[]): Revision[] {
  const byRevision = new Map<number, Revision>();
  for (const rs of replicaSets) {
    const revision = revisionOf(rs);
    if (revision === undefined) continue;
    const template = structuredClone(rs.spec?.template ?? { spec: { containers: [] } }) as PodTemplateSpec;
    const changeCause = rs.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] || undefined;
    template.metadata ??= {};
    template.metadata.annotations ??= {};
    if (changeCause) template.metadata.annotations[CHANGE_CAUSE_ANNOTATION] = changeCause;
    byRevision.set(revision, { revision, template, changeCause });
  }
  return [...byRevision.values()].sort((a, b) => a.revision - b.revision);
}

/** `REVISION  CHANGE-CAUSE` rows, `<none>` without a change-cause. */
export function formatHistoryTable(history: readonly Revision[]): string {
  const lines = ['REVISION\tCHANGE-CAUSE\n', ...history.map((r) => `${r.revision}\t${r.changeCause ?? '<none>'}\n`)];
  return tabbed(lines.join(''), DESCRIBE_OPTIONS);
}

/** The pod template of one revision, as describe prints it; throws when there is no such revision. */
export function formatRevision(history: readonly Revision[], revision: number): string {
  const found = history.find((r) => r.revision === revision);
  if (!found) throw new Error('unable to find the specified revision');
  return formatTemplate(found.template);
}

/** kubectl's printTemplate: DescribePodTemplate through a PrefixWriter. */
export function formatTemplate(template: Readonly<PodTemplateSpec>): string {
  const w = new PrefixWriter();
  writePodTemplate(w, template);
  return w.toString();
}

/** The whole `rollout history` output for one object (kubectl's name printer with the history as operation). */
export function historyOutput(objectName: string, history: readonly Revision[], revision: number): string {
  if (history.length === 0) return `${objectName} \nNo rollout history found.\n`;
  if (revision > 0) return `${objectName} with revision #${revision}\n${formatRevision(history, revision)}\n`;
  return `${objectName} \n${formatHistoryTable(history)}\n`;
}
