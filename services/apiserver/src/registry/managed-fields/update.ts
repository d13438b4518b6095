// Managed fields of non-apply writes (create, update, patch: operation "Update"), after
// structured-merge-diff's merge.Updater.Update and Kubernetes' managedFieldsUpdater: the fields a
// write adds or changes become the writer's and leave every other manager; fields it removes leave
// everyone. The writer's entry takes the write's time only when it took fields.

import type { KubeObject } from '@skiff/api';
import { decodeManagers, encodeManagers, managedFieldsOf, managerKey, type ManagedFieldsEntry, type ManagerFields } from './managers.js';
import { compareObjects } from './object-fields.js';

export interface UpdateOptions {
  /** The write's time (RFC 3339). */
  now: string;
  /** The apiVersion of the request (`apps/v1`); defaults to the object's. */
  apiVersion?: string;
  /** "" (main resource), "status", "scale". */
  subresource?: string;
}

/**
 * The object `updated` with metadata.managedFields recording a non-apply write by `manager` (old
 * undefined: a create, every field set becomes the manager's). Managed fields the client sent in
 * `updated` (different from the old ones) replace the old ones first, as Kubernetes allows; a
 * client sending `managedFields: [{}]` clears them and the write is not recorded.
 */
export function recordUpdate(old: KubeObject | undefined, updated: KubeObject, manager: string, opts: UpdateOptions): KubeObject {
  const object = structuredClone(updated);
  const meta = object.metadata as { managedFields?: ManagedFieldsEntry[] };
  const sent = meta.managedFields;
  const before = managedFieldsOf(old);
  if (sent && sent.length === 1 && Object.keys(sent[0] ?? {}).length === 0) {
    delete meta.managedFields;
    return object;
  }
  const subresource = opts.subresource ?? '';
  const base = sent && sent.length > 0 && subresource === '' && JSON.stringify(sent) !== JSON.stringify(before) ? sent : before;
  const managers = decodeManagers(base);

  const oldJson = old ? strip(old) : {};
  const cmp = compareObjects(oldJson, strip(object), object.kind);
  const taken = cmp.added.union(cmp.modified);

  const writer: ManagerFields = {
    manager,
    operation: 'Update',
    apiVersion: opts.apiVersion ?? object.apiVersion,
    subresource,
    time: undefined,
    set: taken,
  };
  const key = managerKey(writer);
  for (const [k, m] of managers) {
    if (k === key) continue;
    m.set = m.set.difference(taken).difference(cmp.removed);
    if (m.set.isEmpty()) managers.delete(k);
  }
  const previous = managers.get(key);
  if (previous) {
    previous.set = previous.set.difference(cmp.removed).union(taken);
    if (!taken.isEmpty()) previous.time = opts.now;
    if (previous.set.isEmpty()) managers.delete(key);
  } else if (!taken.isEmpty()) {
    writer.time = opts.now;
    managers.set(key, writer);
  }
  meta.managedFields = encodeManagers(managers.values());
  if (meta.managedFields.length === 0) delete meta.managedFields;
  return object;
}

function strip(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  delete (copy.metadata as { managedFields?: unknown }).managedFields;
  return copy;
}
