// metadata.managedFields entries: decoding them into per-manager field sets and back, in
// Kubernetes' order, and the names of managers (fieldManager, or derived from the User-Agent).

import { ApiError, type KubeObject, type ManagedFieldsEntry as ApiManagedFieldsEntry } from '@skiff/api';
import { FieldSet, pathString, type FieldPath, type FieldsV1 } from './field-set.js';

/** metav1.ManagedFieldsEntry, with its field set in the structured form this package works on. */
export type ManagedFieldsEntry = Omit<ApiManagedFieldsEntry, 'fieldsV1'> & { fieldsV1: FieldsV1 };

/** One manager's fields, keyed like Kubernetes' manager identifier (see managerKey). */
export interface ManagerFields {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string;
  time: string | undefined;
  set: FieldSet;
}

/**
 * Kubernetes' BuildManagerIdentifier: manager, operation and subresource, plus the apiVersion for
 * Update (an applier keeps one entry whatever version it applies with).
 */
export function managerKey(m: Pick<ManagerFields, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([m.manager, m.operation, m.operation === 'Update' ? m.apiVersion : '', m.subresource]);
}

export function managedFieldsOf(obj: KubeObject | undefined): ManagedFieldsEntry[] | undefined {
  const mf = (obj?.metadata as { managedFields?: unknown } | undefined)?.managedFields;
  return Array.isArray(mf) ? (mf as ManagedFieldsEntry[]) : undefined;
}

/** Decodes managedFields; malformed entries are a BadRequest naming the entry. */
export function decodeManagers(entries: readonly ManagedFieldsEntry[] | undefined): Map<string, ManagerFields> {
  const out = new Map<string, ManagerFields>();
  (entries ?? []).forEach((e, i) => {
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      throw new ApiError('BadRequest', `metadata.managedFields[${i}].operation: must be Apply or Update`);
    }
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') {
      throw new ApiError('BadRequest', `metadata.managedFields[${i}].fieldsType: must be FieldsV1`);
    }
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e.fieldsV1 ?? {});
    } catch (err) {
      throw new ApiError('BadRequest', `metadata.managedFields[${i}].fieldsV1: ${err instanceof Error ? err.message : String(err)}`);
    }
    const m: ManagerFields = {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion ?? '',
      subresource: e.subresource ?? '',
      time: e.time,
      set,
    };
    const key = managerKey(m);
    const prev = out.get(key);
    if (prev) prev.set = prev.set.union(set);
    else out.set(key, m);
  });
  return out;
}

/** Encodes managers as Kubernetes sorts them: Apply before Update, then by time, manager, version. */
export function encodeManagers(managers: Iterable<ManagerFields>): ManagedFieldsEntry[] {
  const list = [...managers].filter((m) => !m.set.isEmpty());
  const seconds = (t: string | undefined): number => (t ? Math.floor(Date.parse(t) / 1000) : 0);
  list.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource, q.subresource),
  );
  return list.map((m) => {
    return {
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time !== undefined ? { time: m.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: m.set.toFieldsV1(),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    };
  });
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Kubernetes' printManager: `"name"`, for Update `"name" using apps/v1`, and the subresource. */
export function describeManager(m: Pick<ManagerFields, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') s += ` using ${m.apiVersion}`;
  return s;
}

export interface Conflict {
  manager: ManagerFields;
  path: FieldPath;
}

/**
 * The 409 an apply with conflicts answers, as Kubernetes words it (NewConflictError): one conflict
 * `Apply failed with 1 conflict: conflict with "x" using apps/v1: .spec.replicas`, several grouped by
 * manager; a cause {reason: FieldManagerConflict, message, field} per conflict.
 */
export function conflictError(conflicts: readonly Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c.manager)}`,
    field: pathString(c.path),
  }));
  let message: string;
  const [only] = conflicts;
  if (conflicts.length === 1 && only) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(only.manager)}: ${pathString(only.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const name = describeManager(c.manager);
      byManager.set(name, [...(byManager.get(name) ?? []), pathString(c.path)]);
    }
    const lines: string[] = [];
    for (const name of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${name}:`);
      for (const p of byManager.get(name) ?? []) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError('Conflict', message, { causes });
}

/** Kubernetes' limit on a manager name. */
const MAX_MANAGER_LENGTH = 128;

/**
 * The manager of a write: the `fieldManager` query parameter, else (as the apiserver does) the
 * User-Agent's program name, the part before the first `/` ("kubectl/v1.32.5 (...)" → "kubectl").
 * kubectl names its writes itself (kubectl-client-side-apply, kubectl-create, kubectl-edit, ...).
 */
export function fieldManagerFor(fieldManager: string | null | undefined, userAgent: string | undefined): string {
  if (fieldManager) return fieldManager;
  const program = (userAgent ?? '').split('/')[0] ?? '';
  return program.slice(0, MAX_MANAGER_LENGTH);
}

/** A fieldManager parameter Kubernetes accepts: at most 128 printable characters; required for apply. */
export function validateFieldManager(fieldManager: string, forApply: boolean): void {
  if (forApply && fieldManager === '') {
    throw new ApiError('BadRequest', 'PATCH with application/apply-patch+yaml requires the fieldManager query parameter');
  }
  if (fieldManager.length > MAX_MANAGER_LENGTH) {
    throw new ApiError('BadRequest', `fieldManager: Too long: may not be longer than ${MAX_MANAGER_LENGTH}`);
  }
  if (/[^\x20-\x7e]/.test(fieldManager)) {
    throw new ApiError('BadRequest', 'fieldManager: Invalid value: must only contain printable characters');
  }
}
