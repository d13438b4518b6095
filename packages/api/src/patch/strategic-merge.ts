// Strategic merge patch (application/strategic-merge-patch+json), as kubectl apply, edit, patch
// and rollout restart send it. Maps merge recursively and `null` deletes a key, as in JSON merge
// patch; lists follow their field's patch strategy (patch-meta.ts): keyed lists merge item by
// item, sets of primitives take a union, every other list is replaced. Directives, after
// kubernetes/community contributors/devel/sig-api-machinery/strategic-merge-patch.md:
//   $patch: replace | delete | merge        on a map, or as a list item (replace the whole list)
//   $patch: delete (with the merge key)     as a list item: remove the items with that key
//   $retainKeys: [..]                       clear the map's keys not listed
//   $setElementOrder/<list>: [..]           the order of the merged list
//   $deleteFromPrimitiveList/<list>: [..]   remove values from a set of primitives

import type { Json } from '../merge-patch.js';
import type { PatchMeta } from './patch-meta.js';

type JsonObject = { [key: string]: Json };

/** A patch that cannot be applied; `path` names the field (`spec.template.spec.containers`). */
export class PatchError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(path === '' ? message : `${path}: ${message}`);
    this.name = 'PatchError';
  }
}

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function withoutDirective(o: JsonObject): JsonObject {
  const { [PATCH]: _drop, ...rest } = o;
  return rest;
}

/** Removes every directive from a value that is taken literally (a replaced map or list). */
function literal(v: Json): Json {
  if (Array.isArray(v)) return v.filter((x) => !(isObject(x) && x[PATCH] !== undefined && Object.keys(x).length === 1)).map(literal);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === PATCH || k === RETAIN_KEYS || k.startsWith(SET_ORDER) || k.startsWith(DELETE_FROM)) continue;
    if (x !== null) out[k] = literal(x);
  }
  return out;
}

/** Returns `original` with `patch` applied; neither input is modified. */
export function applyStrategicMergePatch(original: unknown, patch: unknown, meta: PatchMeta): Json {
  if (!isObject(patch)) throw new PatchError('', 'a strategic merge patch must be a JSON object');
  const base: JsonObject = isObject(original) ? structuredClone(original) : {};
  const merged = mergeMap(base, patch, meta, '');
  return merged ?? {};
}

/** Merges a patch map into an original map; undefined means "delete this map". */
function mergeMap(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined, path: string): JsonObject | undefined {
  const directive = patch[PATCH];
  if (directive !== undefined) {
    if (directive === 'delete') return undefined;
    if (directive === 'replace') return literal(withoutDirective(patch)) as JsonObject;
    if (directive !== 'merge') throw new PatchError(path, `unknown $patch directive ${JSON.stringify(directive)} (want replace, merge or delete)`);
  }
  let result: JsonObject = { ...original };
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === 'string')) throw new PatchError(path, '$retainKeys must be a list of field names');
    for (const k of Object.keys(patch)) {
      if (!k.startsWith('$') && !retain.includes(k)) throw new PatchError(join(path, k), 'is set but not listed in $retainKeys');
    }
    result = Object.fromEntries(Object.entries(result).filter(([k]) => retain.includes(k)));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === PATCH || key === RETAIN_KEYS) continue;
    if (key.startsWith(SET_ORDER) || key.startsWith(DELETE_FROM)) continue;
    if (key.startsWith('$')) throw new PatchError(join(path, key), 'unknown patch directive');
    const fieldMeta = meta?.fields?.[key] ?? (meta?.fields === undefined ? meta?.items : undefined);
    const fieldPath = join(path, key);
    if (value === null) {
      delete result[key];
      continue;
    }
    const current = result[key];
    if (Array.isArray(value)) {
      const order = patch[SET_ORDER + key];
      const merged = mergeList(Array.isArray(current) ? current : [], value, fieldMeta, fieldPath, Array.isArray(order) ? order : undefined);
      result[key] = merged;
    } else if (isObject(value)) {
      const sub = mergeMap(isObject(current) ? current : {}, value, fieldMeta, fieldPath);
      if (sub === undefined) delete result[key];
      else result[key] = sub;
    } else {
      result[key] = value;
    }
  }
  // Directives about lists the patch does not otherwise touch.
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM)) {
      const list = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw new PatchError(join(path, key), 'must be a list');
      const current = result[list];
      if (Array.isArray(current)) result[list] = current.filter((x) => !value.some((v) => sameValue(v, x)));
    } else if (key.startsWith(SET_ORDER)) {
      const list = key.slice(SET_ORDER.length);
      if (!Array.isArray(value)) throw new PatchError(join(path, key), 'must be a list');
      if (patch[list] === undefined && Array.isArray(result[list])) {
        const fieldMeta = meta?.fields?.[list];
        result[list] = orderList(result[list], value, original[list], fieldMeta?.mergeKey, join(path, list));
      }
    }
  }
  return result;
}

function sameValue(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function keyOf(item: Json, mergeKey: string, path: string): Json {
  if (!isObject(item) || item[mergeKey] === undefined) throw new PatchError(path, `every item must have the merge key "${mergeKey}"`);
  return item[mergeKey] ?? null;
}

function mergeList(original: Json[], patch: Json[], meta: PatchMeta | undefined, path: string, order: Json[] | undefined): Json[] {
  // `- $patch: replace` anywhere in the list: the rest of the list, literally.
  if (patch.some((x) => isObject(x) && x[PATCH] === 'replace')) {
    return patch.filter((x) => !(isObject(x) && x[PATCH] === 'replace')).map(literal);
  }
  const strategy = meta?.strategy ?? '';
  if (!strategy.includes('merge')) return patch.map(literal);
  const mergeKey = meta?.mergeKey;
  let merged: Json[];
  if (mergeKey === undefined) {
    // A set of primitives: the union, original values first.
    merged = [...original];
    for (const v of patch) if (!merged.some((x) => sameValue(x, v))) merged.push(v);
  } else {
    merged = [...original];
    const itemMeta = meta?.items ?? (strategy.includes('retainKeys') ? { strategy: 'retainKeys' as const } : undefined);
    for (const item of patch) {
      const key = keyOf(item, mergeKey, path);
      const obj = item as JsonObject;
      const at = merged.findIndex((x) => isObject(x) && sameValue(x[mergeKey] ?? null, key));
      if (obj[PATCH] === 'delete') {
        merged = merged.filter((x) => !(isObject(x) && sameValue(x[mergeKey] ?? null, key)));
        continue;
      }
      const itemPath = `${path}[${mergeKey}=${JSON.stringify(key)}]`;
      if (at === -1) merged.push(literal(withoutDirective(obj)));
      else {
        const sub = mergeMap(merged[at] as JsonObject, obj, itemMeta, itemPath);
        if (sub === undefined) merged.splice(at, 1);
        else merged[at] = sub;
      }
    }
  }
  return order === undefined ? merged : orderList(merged, order, original, mergeKey, path);
}

/**
 * Orders a merged list by `$setElementOrder`: the listed items in the listed order; items only the
 * server had keep their place relative to the listed ones, as they stood in the original list.
 */
function orderList(merged: Json[], order: Json[], original: Json | undefined, mergeKey: string | undefined, path: string): Json[] {
  const id = (x: Json): string => JSON.stringify(mergeKey === undefined ? x : isObject(x) ? (x[mergeKey] ?? null) : x);
  for (const o of order) if (mergeKey !== undefined) keyOf(o, mergeKey, `$setElementOrder/${path}`);
  const orderIds = order.map((o) => (mergeKey === undefined ? JSON.stringify(o) : JSON.stringify((o as JsonObject)[mergeKey] ?? null)));
  const byId = new Map(merged.map((x) => [id(x), x] as const));
  const originalIds = (Array.isArray(original) ? original : []).map(id);
  const listed = orderIds.filter((i) => byId.has(i));
  const serverOnly = merged.filter((x) => !orderIds.includes(id(x)));
  const out: Json[] = [];
  let s = 0;
  for (const i of listed) {
    const pos = originalIds.indexOf(i);
    while (s < serverOnly.length && pos !== -1 && originalIds.indexOf(id(serverOnly[s] as Json)) < pos) out.push(serverOnly[s++] as Json);
    out.push(byId.get(i) as Json);
  }
  while (s < serverOnly.length) out.push(serverOnly[s++] as Json);
  return out;
}
