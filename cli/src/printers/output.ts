// -o yaml / -o json / -o name: the object itself for one object, a `List` for several, as kubectl.
// YAML keys are sorted like kubectl's (it converts through JSON maps), sequences are not
// indented under their key, and strings YAML 1.1 would read as something else (timestamps, yes/no)
// are quoted, as go-yaml does.

import type { KubeObject, ResourceInfo } from '@skiff/api';
import { stringify } from 'yaml';
import { kindName } from './table.js';

export type OutputFormat = 'table' | 'wide' | 'yaml' | 'json' | 'name';

export function parseOutputFormat(value: string | undefined): OutputFormat {
  if (value === undefined || value === '') return 'table';
  if (value === 'wide' || value === 'yaml' || value === 'json' || value === 'name') return value;
  throw new Error(
    `unable to match a printer suitable for the output format "${value}", allowed formats are: json,name,wide,yaml`,
  );
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

export function toYaml(value: unknown): string {
  return stringify(sortKeys(value), { indentSeq: false, schema: 'yaml-1.1' });
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 4) + '\n';
}

export function asList(items: readonly KubeObject[]): unknown {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/** One object as itself, several (or none) as a List. */
export function objectsOutput(items: readonly KubeObject[], format: 'yaml' | 'json', single: boolean): string {
  const value = single && items.length === 1 ? items[0] : asList(items);
  return format === 'yaml' ? toYaml(value) : toJson(value);
}

export function nameOutput(info: Readonly<ResourceInfo>, obj: Readonly<KubeObject>): string {
  return `${kindName(info)}/${obj.metadata.name ?? ''}`;
}

export type DryRun = 'none' | 'client' | 'server';

/** --dry-run[=none|client|server]; the bare flag means client, as kubectl's deprecated form. */
export function parseDryRun(value: string | boolean | undefined): DryRun {
  if (value === undefined || value === false || value === 'none' || value === 'false') return 'none';
  if (value === true || value === 'client' || value === 'true') return 'client';
  if (value === 'server') return 'server';
  throw new Error(`Invalid dry-run value (${String(value)}). Must be "none", "server", or "client".`);
}

/** kubectl's name printer with an operation: `deployment.apps/web scaled`, `... created (dry run)`. */
export function operationLine(info: Readonly<ResourceInfo>, name: string, operation: string, dryRun: DryRun = 'none'): string {
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  return `${kindName(info)}/${name}${operation ? ` ${operation}` : ''}${suffix}\n`;
}
