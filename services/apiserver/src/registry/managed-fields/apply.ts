// Server-side apply (kubernetes.io/docs/reference/using-api/server-side-apply, implemented as
// sigs.k8s.io/structured-merge-diff's merge.Updater.Apply): merge the applied configuration into the
// live object, make the applier own exactly the fields it applied, remove the fields it applied
// before and no longer does (unless another manager owns them), and refuse, with a 409 naming each
// field, to change a field another manager owns, unless forced (ownership then moves to the applier).

import { ApiError, type KubeObject } from '@skiff/api';
import type { FieldPath } from './field-set.js';
import {
  conflictError,
  decodeManagers,
  encodeManagers,
  managedFieldsOf,
  managerKey,
  type Conflict,
  type ManagerFields,
} from './managers.js';
import { compareObjects, deepEqual, fieldSetOf, isEmptyContainer, mergeValues, removeAt, valueAt, type Json } from './object-fields.js';
import { SchemaNode } from './list-types.js';
import { FieldSet } from './field-set.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

export interface ApplyOptions {
  /** `force=true`: take over conflicting fields instead of failing. */
  force: boolean;
  /** The write's time (RFC 3339), recorded in the applier's entry when the object changes. */
  now: string;
  /** The apiVersion the configuration was applied with (`apps/v1`). */
  apiVersion: string;
  /** "" (the main resource: the configuration's `status` is ignored) or "status" (only `status` counts). */
  subresource?: string;
}

export interface ApplyResult {
  /** The object to store: merged, pruned, with metadata.managedFields. New objects lack server-set metadata. */
  object: KubeObject;
  /** Whether the object (besides managedFields) differs from the live one. */
  changed: boolean;
  /** The conflicts `force` overrode (absent when there were none). */
  conflicts?: Conflict[];
}

/**
 * Applies `applied` for `manager` over `live` (undefined: the object does not exist and is created).
 * Throws ApiError Conflict (409, causes FieldManagerConflict per field) when fields other managers
 * own would change and `force` is false; BadRequest for a configuration that is not an object of
 * the live object's kind or that sets metadata.managedFields.
 */
export function applyConfig(live: KubeObject | undefined, applied: object, manager: string, opts: ApplyOptions): ApplyResult {
  const config = checkConfig(live, applied, opts.subresource ?? '');
  const kind = live?.kind ?? (config['kind'] as string);
  const liveJson = (live ? withoutManagedFields(live) : {}) as Json;
  const managers = decodeManagers(managedFieldsOf(live));

  const applier: ManagerFields = {
    manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    subresource: opts.subresource ?? '',
    time: undefined,
    set: fieldSetOf(config, kind, 'apply'),
  };
  const key = managerKey(applier);
  const previous = managers.get(key);
  applier.time = previous?.time;
  managers.set(key, applier);

  const merged = mergeValues(liveJson, config as Json, SchemaNode.forKind(kind)) as Json;
  if (previous) prune(merged, kind, previous.set, managers);

  // Other managers: fields the apply changes conflict; fields it removed are no longer theirs.
  const cmp = compareObjects(liveJson, merged, kind);
  const changedFields = cmp.added.union(cmp.modified);
  const conflicts: Conflict[] = [];
  for (const [k, m] of managers) {
    if (k === key) continue;
    for (const path of m.set.intersection(changedFields).paths()) conflicts.push({ manager: m, path });
  }
  if (conflicts.length > 0 && !opts.force) {
    const remaining = manager === 'kubectl' ? conflicts.filter((c) => !lastAppliedAllows(live, c.path, kind)) : conflicts;
    if (remaining.length > 0) throw conflictError(remaining);
  }
  for (const [k, m] of managers) {
    if (k === key) continue;
    m.set = m.set.difference(changedFields).difference(cmp.removed);
    if (m.set.isEmpty()) managers.delete(k);
  }

  const changed = !cmp.added.isEmpty() || !cmp.modified.isEmpty() || !cmp.removed.isEmpty();
  if (changed || applier.time === undefined) applier.time = opts.now;
  if (applier.set.isEmpty()) managers.delete(key);

  const object = merged as unknown as KubeObject;
  if (manager === 'kubectl' && live?.metadata.annotations?.[LAST_APPLIED_ANNOTATION] !== undefined) {
    syncLastApplied(object, config);
  }
  (object.metadata as { managedFields?: unknown }).managedFields = encodeManagers(managers.values());
  return conflicts.length > 0 ? { object, changed, conflicts } : { object, changed };
}

function checkConfig(live: KubeObject | undefined, applied: object, subresource: string): Record<string, Json> {
  if (applied === null || typeof applied !== 'object' || Array.isArray(applied)) {
    throw new ApiError('BadRequest', 'the applied configuration must be an object');
  }
  const config = structuredClone(applied) as Record<string, Json>;
  const kind = config['kind'];
  if (typeof kind !== 'string' || kind === '' || typeof config['apiVersion'] !== 'string') {
    throw new ApiError('BadRequest', 'the applied configuration must set apiVersion and kind');
  }
  if (live && kind !== live.kind) {
    throw new ApiError('BadRequest', `the applied configuration is a ${kind}, the object is a ${live.kind}`);
  }
  const meta = config['metadata'];
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta))) {
    throw new ApiError('BadRequest', 'metadata: must be an object');
  }
  if (meta && (meta as Record<string, Json>)['managedFields'] != null) {
    throw new ApiError('BadRequest', 'metadata.managedFields must be nil');
  }
  // The main resource ignores status and the status subresource everything but status, as
  // Kubernetes' reset-fields strategies do for kinds with a status subresource.
  if (subresource === '') delete config['status'];
  else if (subresource === 'status') {
    for (const k of Object.keys(config)) if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k)) delete config[k];
  }
  return config;
}

function withoutManagedFields(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  delete (copy.metadata as { managedFields?: unknown }).managedFields;
  return copy;
}

/**
 * Removes from `merged` what the applier owned before and applies no more, unless a manager (the
 * applier included) still owns it or something below it; a map or list left empty by a removal
 * goes too when nobody owns it.
 */
function prune(merged: Json, kind: string, lastSet: FieldSet, managers: Map<string, ManagerFields>): void {
  let owned = new FieldSet();
  for (const m of managers.values()) owned = owned.union(m.set);
  for (const path of lastSet.difference(owned).paths()) {
    if (owned.hasBelow(path)) continue;
    if (!removeAt(merged, path, kind)) continue;
    for (let up = path.slice(0, -1); up.length > 1; up = up.slice(0, -1)) {
      if (owned.has(up) || owned.hasBelow(up) || !isEmptyContainer(valueAt(merged, up, kind))) break;
      removeAt(merged, up, kind);
    }
  }
}

/** The last-applied annotation kubectl keeps, when the applier is kubectl's server-side apply. */
function lastAppliedOf(live: KubeObject | undefined): unknown {
  const text = live?.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Kubernetes' lastAppliedManager: kubectl's server-side apply may take over, without force, fields
 * that client-side apply set and nobody changed since (their live value is the last-applied one),
 * so moving from `kubectl apply` to `kubectl apply --server-side` does not conflict.
 */
function lastAppliedAllows(live: KubeObject | undefined, path: FieldPath, kind: string): boolean {
  const last = lastAppliedOf(live);
  if (last === undefined) return false;
  const lastSet = fieldSetOf(last, kind, 'apply');
  if (!lastSet.has(path)) return false;
  return deepEqual(valueAt(live, path, kind), valueAt(last, path, kind));
}

/** Kubernetes' lastAppliedUpdater: kubectl's server-side apply keeps the annotation current. */
function syncLastApplied(object: KubeObject, config: Record<string, Json>): void {
  const copy = structuredClone(config);
  const meta = copy['metadata'] as Record<string, Json> | undefined;
  const annotations = meta?.['annotations'] as Record<string, Json> | undefined;
  if (meta && annotations) {
    delete annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(annotations).length === 0) delete meta['annotations'];
  }
  object.metadata.annotations = { ...object.metadata.annotations, [LAST_APPLIED_ANNOTATION]: JSON.stringify(copy) };
}
