// Small helpers over object metadata shared by every component.

import type { Condition, KubeObject, OwnerReference } from './types.js';

/** `namespace/name`, or `name` for cluster-scoped objects: the key work queues and caches use. */
export function objectKey(obj: Readonly<KubeObject>): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function controllerOf(obj: Readonly<KubeObject>): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Deep copy through JSON: objects are plain JSON, and cached ones must never be mutated. */
export function clone<T>(obj: T): T {
  return structuredClone(obj);
}

export function nowRFC3339(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
