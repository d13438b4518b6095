// `get` columns of the configuration and policy kinds, as kubectl's printers.go prints them:
// configmaps (NAME DATA AGE), secrets (NAME TYPE DATA AGE), poddisruptionbudgets (NAME MIN
// AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE), resourcequotas (NAME AGE REQUEST LIMIT) and
// limitranges (NAME CREATED AT).

import type { ConfigMap, LimitRange, PodDisruptionBudget, ResourceQuota, Secret } from '@skiff/api';
import { age } from './age.js';
import type { TableDef } from './columns.js';

const count = (m: Readonly<Record<string, unknown>> | undefined): number => Object.keys(m ?? {}).length;

export const configmaps: TableDef = {
  columns: ['NAME', 'DATA', 'AGE'],
  wideColumns: [],
  row(obj, now) {
    const cm = obj as ConfigMap;
    return [cm.metadata.name ?? '', String(count(cm.data) + count(cm.binaryData)), age(cm.metadata.creationTimestamp, now)];
  },
};

export const secrets: TableDef = {
  columns: ['NAME', 'TYPE', 'DATA', 'AGE'],
  wideColumns: [],
  row(obj, now) {
    const s = obj as Secret;
    return [s.metadata.name ?? '', s.type ?? '', String(count(s.data)), age(s.metadata.creationTimestamp, now)];
  },
};

export const poddisruptionbudgets: TableDef = {
  columns: ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'],
  wideColumns: [],
  row(obj, now) {
    const pdb = obj as PodDisruptionBudget;
    const orNA = (v: number | string | undefined): string => (v === undefined ? 'N/A' : String(v));
    return [
      pdb.metadata.name ?? '',
      orNA(pdb.spec?.minAvailable),
      orNA(pdb.spec?.maxUnavailable),
      String(pdb.status?.disruptionsAllowed ?? 0),
      age(pdb.metadata.creationTimestamp, now),
    ];
  },
};

/** printResourceQuota: `resource: used/hard` for each hard limit (sorted), `limits.*` in LIMIT, the rest in REQUEST. */
export function quotaColumns(q: Readonly<ResourceQuota>): { request: string; limit: string } {
  const hard = q.status?.hard ?? {};
  const used = q.status?.used ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const cell = `${name}: ${used[name] ?? '0'}/${hard[name] ?? ''}`;
    const parts = name.split('.');
    if (parts.length > 1 && parts[0] === 'limits') limit.push(cell);
    else request.push(cell);
  }
  return { request: request.join(', '), limit: limit.join(', ') };
}

export const resourcequotas: TableDef = {
  columns: ['NAME', 'AGE', 'REQUEST', 'LIMIT'],
  wideColumns: [],
  row(obj, now) {
    const q = obj as ResourceQuota;
    const { request, limit } = quotaColumns(q);
    return [q.metadata.name ?? '', age(q.metadata.creationTimestamp, now), request, limit];
  },
};

/** Go's RFC3339 in UTC, whole seconds: `2024-05-01T12:00:00Z`. */
function rfc3339(ts: string | undefined): string {
  const t = ts ? Date.parse(ts) : Number.NaN;
  return Number.isNaN(t) ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

export const limitranges: TableDef = {
  columns: ['NAME', 'CREATED AT'],
  wideColumns: [],
  row(obj) {
    const lr = obj as LimitRange;
    return [lr.metadata.name ?? '', rfc3339(lr.metadata.creationTimestamp)];
  },
};
