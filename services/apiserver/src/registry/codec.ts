// Objects are stored as JSON without metadata.resourceVersion: the resourceVersion of a stored
// object is the etcd modRevision of its key, set when it is read.

import type { KubeObject, ResourceInfo } from '@skiff/api';

export function encodeObject(obj: KubeObject): string {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

export function decodeObject(value: string, modRevision: number): KubeObject {
  const obj = JSON.parse(value) as KubeObject;
  obj.metadata = { ...obj.metadata, resourceVersion: String(modRevision) };
  return obj;
}

/** `/registry/<resource>/<namespace>/<name>`, or `/registry/<resource>/<name>` for cluster-scoped kinds. */
export function objectStorageKey(info: ResourceInfo, namespace: string, name: string): string {
  return info.namespaced ? `/registry/${info.resource}/${namespace}/${name}` : `/registry/${info.resource}/${name}`;
}

/** The prefix a list or watch reads: one namespace's objects, or all of the kind's. */
export function listPrefix(info: ResourceInfo, namespace: string): string {
  return info.namespaced && namespace ? `/registry/${info.resource}/${namespace}/` : `/registry/${info.resource}/`;
}
