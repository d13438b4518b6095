// Columns of the configuration and policy kinds, after printers.go's printConfigMap, printSecret,
// printPodDisruptionBudget, printResourceQuota and printLimitRange: configmaps (NAME DATA AGE),
// secrets (NAME TYPE DATA AGE), poddisruptionbudgets (NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED
// DISRUPTIONS AGE), resourcequotas (NAME AGE REQUEST LIMIT), limitranges (NAME CREATED AT).

import type { ConfigMap, LimitRange, PodDisruptionBudget, ResourceQuota, Secret } from '../types.js';
import { AGE_COLUMN, AGE_DESCRIPTION, NAME_COLUMN, ageOf, column, type KindColumns } from './columns.js';

const count = (m: Readonly<Record<string, unknown>> | undefined): number => Object.keys(m ?? {}).length;

export const configmaps: KindColumns = {
  columns: [NAME_COLUMN, column('Data', 'Number of data entries in the ConfigMap.', { type: 'integer' }), AGE_COLUMN],
  cells(obj, now) {
    const cm = obj as ConfigMap;
    return [cm.metadata.name ?? '', count(cm.data) + count(cm.binaryData), ageOf(cm, now)];
  },
};

export const secrets: KindColumns = {
  columns: [NAME_COLUMN, column('Type', 'Used to facilitate programmatic handling of secret data.'), column('Data', 'Number of data entries in the Secret.', { type: 'integer' }), AGE_COLUMN],
  cells(obj, now) {
    const s = obj as Secret;
    return [s.metadata.name ?? '', s.type ?? '', count(s.data), ageOf(s, now)];
  },
};

export const poddisruptionbudgets: KindColumns = {
  columns: [
    NAME_COLUMN,
    column('Min Available', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
    AGE_COLUMN,
  ],
  cells(obj, now) {
    const pdb = obj as PodDisruptionBudget;
    const orNA = (v: number | string | undefined): string => (v === undefined ? 'N/A' : String(v));
    return [pdb.metadata.name ?? '', orNA(pdb.spec?.minAvailable), orNA(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, ageOf(pdb, now)];
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

export const resourcequotas: KindColumns = {
  columns: [
    NAME_COLUMN,
    AGE_COLUMN,
    column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  cells(obj, now) {
    const q = obj as ResourceQuota;
    const { request, limit } = quotaColumns(q);
    return [q.metadata.name ?? '', ageOf(q, now), request, limit];
  },
};

/** Go's RFC3339 in UTC, whole seconds: `2024-05-01T12:00:00Z`. */
function rfc3339(ts: string | undefined): string {
  const t = ts ? Date.parse(ts) : Number.NaN;
  return Number.isNaN(t) ? '0001-01-01T00:00:00Z' : new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}

export const limitranges: KindColumns = {
  columns: [NAME_COLUMN, column('Created At', AGE_DESCRIPTION, { type: 'date' })],
  cells(obj) {
    const lr = obj as LimitRange;
    return [lr.metadata.name ?? '', rfc3339(lr.metadata.creationTimestamp)];
  },
};
