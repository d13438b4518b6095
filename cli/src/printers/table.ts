// `get`'s table output: kubectl's layout (upper-case headers, cells separated by at least three
// spaces, no borders), optional NAMESPACE first column (-A), LABELS last (--show-labels) and
// `kind.group/name` names when several kinds are printed together.

import { formatLabels, type KubeObject, type ResourceInfo } from '@skiff/api';
import { tableFor } from './columns.js';
import { TABLE_OPTIONS, TabWriter } from './tab-writer.js';

export interface TableOptions {
  wide: boolean;
  /** Print the NAMESPACE column (for namespaced kinds). */
  withNamespace: boolean;
  showLabels: boolean;
  /** Prefix names with `kind.group/`, as kubectl does when several kinds are requested. */
  withKind: boolean;
}

/** `pod`, `replicaset.apps`, `lease.coordination.k8s.io`: how kubectl names a kind in its output. */
export function kindName(info: Readonly<ResourceInfo>): string {
  return info.group ? `${info.kind.toLowerCase()}.${info.group}` : info.kind.toLowerCase();
}

/** Prints a table for one kind at a time; shared widths keep later rows aligned (watch). */
export class TablePrinter {
  private readonly writer = new TabWriter(TABLE_OPTIONS);

  constructor(private readonly opts: TableOptions) {}

  private namespaced(info: Readonly<ResourceInfo>): boolean {
    return this.opts.withNamespace && info.namespaced;
  }

  header(info: Readonly<ResourceInfo>): string[] {
    const cols = tableFor(info.resource).header(this.opts.wide);
    if (this.namespaced(info)) cols.unshift('NAMESPACE');
    if (this.opts.showLabels) cols.push('LABELS');
    return cols;
  }

  row(info: Readonly<ResourceInfo>, obj: Readonly<KubeObject>, now: number): string[] {
    const def = tableFor(info.resource);
    const cells = def.row(obj, now, this.opts.wide);
    if (this.opts.withKind && cells.length > 0 && def.nameFirst) cells[0] = `${kindName(info)}/${cells[0]}`;
    if (this.namespaced(info)) cells.unshift(obj.metadata.namespace ?? '');
    if (this.opts.showLabels) cells.push(formatLabels(obj.metadata.labels));
    return cells;
  }

  /** Writes lines of cells and returns the aligned text; widths carry over to the next call. */
  print(lines: string[][]): string {
    for (const cells of lines) this.writer.write(cells.map((c) => c.replace(/[\t\n]/g, ' ')).join('\t') + '\n');
    return this.writer.flush();
  }

  /** Starts the table of another kind: its columns align on their own. */
  nextTable(): void {
    this.writer.resetWidths();
  }
}

/** `pods`, `deployments.apps`: how kubectl names a resource in its `error: ...` lines. */
export function resourceName(info: Readonly<ResourceInfo>): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}
