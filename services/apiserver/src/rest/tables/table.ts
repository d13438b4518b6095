// meta.k8s.io/v1 Tables: what `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. The columns and cells per kind are
// @skiff/api's columnsFor (kubectl's pkg/printers/internalversion/printers.go, shared with the skiff
// CLI); this module wraps them as Kubernetes' TableConvertor does
// (staging/src/k8s.io/apiserver/pkg/registry/rest/table.go and pkg/printers/tablegenerator.go):
// the server renders wide (priority-1 columns included; kubectl hides them without `-o wide`),
// each row carries the object as the `includeObject` query parameter asks (PartialObjectMetadata
// by default, the full object for `Object`, none for `None`), and watch events carry one-row
// Tables whose column definitions only the first event needs.

import { columnsFor, podRowConditions, type KubeObject, type ListMeta, type Pod, type ResourceInfo, type TableCell, type TableColumnDefinition, type TableRowCondition } from '@skiff/api';
import type { TableConverter } from '../extensions.js';

export type IncludeObject = 'None' | 'Object' | 'Metadata';

/** metav1.PartialObjectMetadata: an object's metadata only. */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: KubeObject['metadata'];
}

export interface TableRow {
  cells: TableCell[];
  conditions?: TableRowCondition[];
  /** Absent with includeObject=None. */
  object?: KubeObject | PartialObjectMetadata;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta & { remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export interface TableOptions {
  /** What each row carries in `object`; Kubernetes' default is Metadata. */
  includeObject: IncludeObject;
  /** Leave columnDefinitions empty (watch events after the first). */
  noHeaders?: boolean;
  /** The time AGE is measured against; default now. */
  now?: Date;
  /** The list's metadata (resourceVersion, continue); absent for a single object (its resourceVersion is used). */
  listMeta?: ListMeta & { remainingItemCount?: number };
}

function rowObject(obj: Readonly<KubeObject>, includeObject: IncludeObject): TableRow['object'] | undefined {
  switch (includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return obj as KubeObject;
    default:
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  }
}

/** A single object's Table carries the object's resourceVersion, as ConvertToTable's ListAccessor does. */
function singleObjectMeta(objects: readonly Readonly<KubeObject>[]): ListMeta {
  const rv = objects.length === 1 ? objects[0]?.metadata.resourceVersion : undefined;
  return rv === undefined ? {} : { resourceVersion: rv };
}

/** The Table of `objects` (all of the kind `resource`), as Kubernetes' ConvertToTable answers. */
export function toTable(resource: Readonly<ResourceInfo>, objects: readonly Readonly<KubeObject>[], opts: TableOptions): Table {
  const kc = columnsFor(resource.resource);
  const now = (opts.now ?? new Date()).getTime();
  const rows = objects.map((obj): TableRow => {
    const row: TableRow = { cells: kc.cells(obj, now, true) };
    const conditions = resource.resource === 'pods' ? podRowConditions(obj as Pod) : undefined;
    if (conditions) row.conditions = conditions;
    const object = rowObject(obj, opts.includeObject);
    if (object) row.object = object;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.listMeta ? { ...opts.listMeta } : singleObjectMeta(objects),
    columnDefinitions: opts.noHeaders ? [] : kc.columns.map((c) => ({ ...c })),
    rows,
  };
}

/**
 * The object of one watch event when the watch asked for Tables: a one-row Table (column
 * definitions only when `first`). A BOOKMARK carries no row, only its resourceVersion.
 */
export function tableWatchObject(
  resource: Readonly<ResourceInfo>,
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK',
  obj: Readonly<KubeObject>,
  opts: { includeObject: IncludeObject; first: boolean; now?: Date },
): Table {
  const base = { includeObject: opts.includeObject, noHeaders: !opts.first, ...(opts.now ? { now: opts.now } : {}) };
  if (type === 'BOOKMARK') {
    const rv = obj.metadata.resourceVersion;
    return toTable(resource, [], { ...base, listMeta: rv === undefined ? {} : { resourceVersion: rv } });
  }
  return toTable(resource, [obj], base);
}

/** The REST server's TableConverter seam (rest/extensions.ts) over toTable. */
export const tableConverter: TableConverter = (objects, req) =>
  toTable(req.info, objects, { includeObject: req.includeObject, noHeaders: req.noHeaders, ...(req.listMeta ? { listMeta: req.listMeta } : {}) });
