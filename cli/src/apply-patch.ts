// What `apply` changes on a live object, as kubectl's client-side apply does for JSON merge
// patches: a three-way diff between the configuration applied last time (kept in the
// `kubectl.kubernetes.io/last-applied-configuration` annotation), the new configuration and the
// live object. Fields the user never set (server defaults, status) are left alone; fields removed
// from the configuration since the last apply are removed from the object. An empty patch means
// `unchanged`.

import { applyMergePatch, type Json } from '@skiff/api';

export { applyMergePatch, type Json };

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
export type JsonObject = { [key: string]: Json };

export function isPlainObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** True when everything `part` sets has the same value in `whole` (server-added fields ignored). */
export function isSubset(part: unknown, whole: unknown): boolean {
  if (isPlainObject(part)) return isPlainObject(whole) && Object.keys(part).every((k) => isSubset(part[k], whole[k]));
  if (Array.isArray(part)) return Array.isArray(whole) && part.length === whole.length && part.every((x, i) => isSubset(x, whole[i]));
  return deepEqual(part, whole);
}

/**
 * Lists of objects that Kubernetes merges by a key (strategic merge patch's patchMergeKey, with
 * the listMapKeys of ports: number and protocol), so that applying a container list keeps what the
 * server defaulted in each container, and applying a Service keeps the node ports it allocated.
 * A list name may stand for lists of different kinds: the first key every entry has is used
 * (`ports` are containers' by containerPort, Services' by port).
 */
const MERGE_KEYS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  containers: [['name']],
  initContainers: [['name']],
  env: [['name']],
  ports: [
    ['containerPort', 'protocol'],
    ['port', 'protocol'],
  ],
  volumeMounts: [['mountPath']],
  volumes: [['name']],
  imagePullSecrets: [['name']],
};

/** What a key field is when an entry leaves it out (the server's default). */
const KEY_DEFAULTS: Readonly<Record<string, Json>> = { protocol: 'TCP' };

/** The entries by key; undefined when an entry lacks the key's first field or two share a key. */
function keyedBy(list: readonly Json[], key: readonly string[]): Map<string, JsonObject> | undefined {
  const out = new Map<string, JsonObject>();
  for (const e of list) {
    if (!isPlainObject(e) || key[0] === undefined || e[key[0]] === undefined) return undefined;
    const k = JSON.stringify(key.map((f) => e[f] ?? KEY_DEFAULTS[f] ?? null));
    if (out.has(k)) return undefined;
    out.set(k, e);
  }
  return out;
}

/**
 * A keyed list after apply: the user's entries in the user's order, each merged into the live
 * entry of the same key; live entries the user never applied are kept, those removed from the
 * configuration since the last apply are dropped. Undefined when the lists are not keyed.
 */
function mergeKeyedList(original: Json | undefined, modified: Json[], current: Json[], key: readonly string[]): Json[] | undefined {
  const mod = keyedBy(modified, key);
  const cur = keyedBy(current, key);
  const orig = Array.isArray(original) ? keyedBy(original, key) : new Map<string, JsonObject>();
  if (!mod || !cur || !orig) return undefined;
  const out: Json[] = [];
  for (const [k, m] of mod) {
    const c = cur.get(k);
    out.push(c ? applyMergePatch(c, threeWayMergePatch(orig.get(k), m, c)) : m);
  }
  for (const [k, c] of cur) if (!mod.has(k) && !orig.has(k)) out.push(c);
  return out;
}

/**
 * The JSON merge patch that takes `current` to `modified`, deleting what `original` (the last
 * applied configuration) had and `modified` no longer has. Keyed lists (containers, env, ports...)
 * are merged entry by entry; other lists are replaced as a whole, but count as unchanged when the
 * user's list equals the last applied one and the live list still holds every value it sets.
 */
export function threeWayMergePatch(original: JsonObject | undefined, modified: JsonObject, current: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(modified)) {
    const m = modified[key] as Json;
    const c = current[key];
    const o = original?.[key];
    if (isPlainObject(m) && isPlainObject(c)) {
      const sub = threeWayMergePatch(isPlainObject(o) ? o : undefined, m, c);
      if (Object.keys(sub).length > 0) patch[key] = sub;
      continue;
    }
    if (deepEqual(m, c)) continue;
    if (Array.isArray(m) && Array.isArray(c)) {
      let merged: Json[] | undefined;
      for (const mergeKey of MERGE_KEYS[key] ?? []) {
        merged = mergeKeyedList(o, m, c, mergeKey);
        if (merged !== undefined) break;
      }
      if (merged !== undefined) {
        if (!deepEqual(merged, c)) patch[key] = merged;
        continue;
      }
      if (isSubset(m, c) && (o === undefined || deepEqual(o, m))) continue;
    }
    patch[key] = m;
  }
  if (original) {
    for (const key of Object.keys(original)) {
      if (!Object.prototype.hasOwnProperty.call(modified, key) && Object.prototype.hasOwnProperty.call(current, key)) patch[key] = null;
    }
  }
  return patch;
}


const METADATA_FIELDS = ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const;

/** The part of an object that apply manages: everything but type, status and server-set metadata. */
export function managedFields(obj: Readonly<JsonObject>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'status' || key === 'metadata') continue;
    out[key] = value;
  }
  const meta = isPlainObject(obj['metadata']) ? obj['metadata'] : {};
  const m: JsonObject = {};
  for (const f of METADATA_FIELDS) if (meta[f] !== undefined) m[f] = meta[f] as Json;
  out['metadata'] = m;
  return out;
}
