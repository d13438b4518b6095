// The columns `kubectl get` shows per kind, defined once for both sides: the apiserver renders
// them as meta.k8s.io/v1 Table rows (services/apiserver/src/rest/tables/) and the skiff CLI prints
// them (cli/src/printers/). After kubectl's table handlers in
// kubernetes/kubernetes pkg/printers/internalversion/printers.go (AddHandlers: the
// <kind>ColumnDefinitions and print<Kind> functions): names in Kubernetes' own spelling ("Nominated
// Node", "Up-to-date"; kubectl upper-cases them), types, descriptions, and priority 1 for the
// columns only `-o wide` shows.

import type { KubeObject } from '../types.js';
import { age } from './duration.js';

/** metav1.TableColumnDefinition. */
export interface TableColumnDefinition {
  readonly name: string;
  /** An OpenAPI type: string, integer, number, boolean, date. */
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** An OpenAPI format: `name` marks the column holding the object's name. */
  readonly format: string;
  readonly description: string;
  /** 0: always shown; 1: shown with `-o wide`. */
  readonly priority: number;
}

/** A Table cell: a string, or a number for integer columns. */
export type TableCell = string | number;

export interface KindColumns {
  readonly columns: readonly TableColumnDefinition[];
  /**
   * One cell per column, in column order. `wide` only changes how a cell is clipped (kubectl cuts
   * load-balancer addresses to 16 characters outside `-o wide`); the apiserver renders wide, as
   * Kubernetes' TableConvertor does (GenerateOptions{Wide: true}).
   */
  cells(obj: Readonly<KubeObject>, now: number, wide: boolean): TableCell[];
}

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated.';
export const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is represented in RFC3339 form and is in UTC. Populated by the system. Read-only.';

/** A column definition; `wide` ones get priority 1. */
export function column(name: string, description: string, opts: { type?: TableColumnDefinition['type']; wide?: boolean; format?: string } = {}): TableColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.wide ? 1 : 0 };
}

export const NAME_COLUMN = column('Name', NAME_DESCRIPTION, { format: 'name' });
export const AGE_COLUMN = column('Age', AGE_DESCRIPTION);

/** `<none>` for an absent or empty value, as kubectl prints it. */
export const orNone = (s: string | undefined | null): string => (s === undefined || s === null || s === '' ? '<none>' : s);

/** The age cell of an object. */
export const ageOf = (obj: Readonly<KubeObject>, now: number): string => age(obj.metadata.creationTimestamp, now);

/** Kinds without their own columns: NAME and AGE. */
export const defaultColumns: KindColumns = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  cells: (obj, now) => [obj.metadata.name ?? '', ageOf(obj, now)],
};
