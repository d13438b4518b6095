// Field sets of objects and the value operations server-side apply needs (structured-merge-diff's
// typed.TypedValue: ToFieldSet, Compare, Merge, RemoveItems), over plain JSON with the list types
// of list-types.ts.

import { fieldElement, FieldSet, keyElement, valueElement, type FieldPath, type PathElement } from './field-set.js';
import { LIST_MAP_KEY_DEFAULTS, SchemaNode } from './list-types.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Fields nobody manages: identity and server-set metadata (the apiserver's stripSet). */
const STRIPPED_TOP = new Set(['apiVersion', 'kind']);
const STRIPPED_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
]);

/**
 * Go structs that are never absent (non-pointer fields): an Update that fills them does not make
 * its manager own them as a whole, so they get no `.` member in full field sets.
 */
const ALWAYS_PRESENT = new Set(['metadata', 'spec', 'status', 'template', 'strategy']);

/** The path element of a list item: its keys (listType=map) or its value (set). */
export function itemElement(item: Json, list: SchemaNode, index: number): PathElement {
  if (list.listType === 'map' && isObject(item)) {
    const keys: Record<string, unknown> = {};
    for (const k of list.listMapKeys) {
      const v = item[k] ?? LIST_MAP_KEY_DEFAULTS[k];
      if (v !== undefined) keys[k] = v;
    }
    return keyElement(keys);
  }
  if (list.listType === 'set') return valueElement(item);
  return `i:${index}`;
}

/**
 * The fields an object sets. `apply` mode is ToFieldSet of an applied configuration: leaves (scalars,
 * atomic values, empty maps) and list items; `full` mode also makes added maps, lists and pointer
 * structs members, as Compare reports them for an Update.
 */
export function fieldSetOf(obj: unknown, kind: string, mode: 'apply' | 'full' = 'apply'): FieldSet {
  const set = new FieldSet();
  if (!isObject(obj)) return set;
  const schema = SchemaNode.forKind(kind);
  for (const [k, v] of Object.entries(obj)) {
    if (STRIPPED_TOP.has(k)) continue;
    if (k === 'metadata' && isObject(v)) {
      const meta = schema.field('metadata');
      for (const [mk, mv] of Object.entries(v)) {
        if (STRIPPED_META.has(mk)) continue;
        walk(mv, meta.field(mk), ['f:metadata', fieldElement(mk)], set, mode);
      }
      continue;
    }
    walk(v, schema.field(k), [fieldElement(k)], set, mode);
  }
  return set;
}

function walk(v: Json | undefined, schema: SchemaNode, path: PathElement[], set: FieldSet, mode: 'apply' | 'full'): void {
  if (v === undefined) return;
  const name = path[path.length - 1]?.slice(2) ?? '';
  const member = mode === 'full' && path.length > 1 && !ALWAYS_PRESENT.has(name);
  if (Array.isArray(v)) {
    if (schema.listType === 'atomic' || schema.atomic || v.length === 0) {
      set.insert(path);
      return;
    }
    if (member) set.insert(path);
    const item = schema.item();
    v.forEach((x, i) => {
      const p = [...path, itemElement(x, schema, i)];
      set.insert(p);
      if (schema.listType === 'map' && isObject(x)) {
        for (const [k, fv] of Object.entries(x)) walk(fv, item.field(k), [...p, fieldElement(k)], set, mode);
      }
    });
    return;
  }
  if (isObject(v) && !schema.atomic && Object.keys(v).length > 0) {
    if (member) set.insert(path);
    for (const [k, fv] of Object.entries(v)) walk(fv, schema.field(k), [...path, fieldElement(k)], set, mode);
    return;
  }
  set.insert(path);
}

/** The schema at a path of a kind. */
function schemaAt(kind: string, path: FieldPath): SchemaNode {
  let s = SchemaNode.forKind(kind);
  for (const pe of path) s = pe.startsWith('f:') ? s.field(pe.slice(2)) : s.item();
  return s;
}

/** The value at a path, or undefined. */
export function valueAt(obj: unknown, path: FieldPath, kind: string): Json | undefined {
  let cur: Json | undefined = obj as Json;
  let schema = SchemaNode.forKind(kind);
  for (const pe of path) {
    if (cur === undefined) return undefined;
    if (pe.startsWith('f:')) {
      if (!isObject(cur)) return undefined;
      cur = cur[pe.slice(2)];
      schema = schema.field(pe.slice(2));
    } else {
      if (!Array.isArray(cur)) return undefined;
      const list: Json[] = cur;
      const idx = list.findIndex((x, i) => itemElement(x, schema, i) === pe);
      cur = idx < 0 ? undefined : list[idx];
      schema = schema.item();
    }
  }
  return cur;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The comparison of two objects' full field sets (structured-merge-diff's typed.Comparison). */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

export function compareObjects(oldObj: unknown, newObj: unknown, kind: string): Comparison {
  const before = fieldSetOf(oldObj, kind, 'full');
  const after = fieldSetOf(newObj, kind, 'full');
  const modified = new FieldSet();
  for (const p of after.paths()) {
    if (!before.has(p) || after.hasBelow(p)) continue;
    if (!deepEqual(valueAt(oldObj, p, kind), valueAt(newObj, p, kind))) modified.insert(p);
  }
  return { added: after.difference(before), modified, removed: before.difference(after) };
}

/**
 * Merges an applied configuration into a live value (structured-merge-diff's Merge): the applied
 * value wins for scalars and atomic values, maps and structs merge field by field, listType=map
 * lists by key (live order, new items appended), sets by value. A null in the configuration
 * removes the field.
 */
export function mergeValues(live: Json | undefined, applied: Json | undefined, schema: SchemaNode): Json | undefined {
  if (applied === undefined) return live;
  if (applied === null) return undefined;
  if (schema.atomic) return structuredClone(applied);
  if (Array.isArray(applied)) {
    if (!Array.isArray(live) || schema.listType === 'atomic') return structuredClone(applied);
    const out: Json[] = live.map((x) => structuredClone(x));
    const elements = out.map((x, i) => itemElement(x, schema, i));
    applied.forEach((item, i) => {
      const pe = itemElement(item, schema, i);
      const at = elements.indexOf(pe);
      if (at < 0) {
        out.push(structuredClone(item));
        elements.push(pe);
      } else if (schema.listType === 'map') {
        out[at] = mergeValues(out[at], item, schema.item()) ?? (out[at] as Json);
      }
    });
    return out;
  }
  if (isObject(applied) && isObject(live)) {
    const out: JsonObject = structuredClone(live);
    for (const [k, v] of Object.entries(applied)) {
      const merged = mergeValues(live[k], v, schema.field(k));
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return structuredClone(applied);
}

/** Removes the value at a path (a field, a list item) in place; false when there was none. */
export function removeAt(obj: Json, path: FieldPath, kind: string): boolean {
  if (path.length === 0) return false;
  const parentPath = path.slice(0, -1);
  const parent = valueAt(obj, parentPath, kind);
  const last = path[path.length - 1] as PathElement;
  if (last.startsWith('f:')) {
    if (!isObject(parent) || !(last.slice(2) in parent)) return false;
    delete parent[last.slice(2)];
    return true;
  }
  if (!Array.isArray(parent)) return false;
  const list = schemaAt(kind, parentPath);
  const idx = parent.findIndex((x, i) => itemElement(x, list, i) === last);
  if (idx < 0) return false;
  parent.splice(idx, 1);
  return true;
}

/** Whether a value is an empty object or list (what removing its last field leaves behind). */
export function isEmptyContainer(v: Json | undefined): boolean {
  return (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}
