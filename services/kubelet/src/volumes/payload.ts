// What a configMap, secret or downwardAPI volume holds (pure): relative path → content and mode,
// after Kubernetes' MakePayload (pkg/volume/configmap, pkg/volume/secret) and CollectData
// (pkg/volume/downwardapi). Every key is a file unless `items` picks keys (and their paths and
// modes); a picked key that is missing fails the volume unless it is optional. Modes default to
// 0644 for all three, as Kubernetes' defaulting does.

import { type ConfigMap, type DownwardAPIVolumeFile, extractFieldPath, type KeyToPath, type NodeAllocatable, type Pod, podContainerResourceValue, type Secret, type Volume } from '@skiff/api';
import type { FileProjection } from './atomic-writer.js';

export const DEFAULT_MODE = 0o644;

type Source = { items?: KeyToPath[]; defaultMode?: number; optional?: boolean };

function project(
  source: Readonly<Source>,
  entries: ReadonlyMap<string, Buffer>,
  missing: (key: string) => string,
): Map<string, FileProjection> {
  const defaultMode = source.defaultMode ?? DEFAULT_MODE;
  const out = new Map<string, FileProjection>();
  if (!source.items || source.items.length === 0) {
    for (const [key, data] of entries) out.set(key, { data, mode: defaultMode });
    return out;
  }
  for (const item of source.items) {
    const data = entries.get(item.key);
    if (data === undefined) {
      if (source.optional === true) continue;
      throw new Error(missing(item.key));
    }
    out.set(item.path, { data, mode: item.mode ?? defaultMode });
  }
  return out;
}

/** A ConfigMap's files; `cm` undefined means it is missing and the volume optional (no files). */
export function configMapPayload(source: NonNullable<Volume['configMap']>, cm: Readonly<ConfigMap> | undefined): Map<string, FileProjection> {
  const entries = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm?.data ?? {})) entries.set(k, Buffer.from(v, 'utf8'));
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) entries.set(k, Buffer.from(v, 'base64'));
  return project(source, entries, (key) => `configmap references non-existent config key: ${key}`);
}

/** A Secret's files, decoded from base64. */
export function secretPayload(source: NonNullable<Volume['secret']>, secret: Readonly<Secret> | undefined): Map<string, FileProjection> {
  const entries = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret?.data ?? {})) entries.set(k, Buffer.from(v, 'base64'));
  return project(source, entries, (key) => `secret references non-existent secret key: ${key}`);
}

/** The pod's own fields as files: labels and annotations as `key="value"` lines. */
export function downwardAPIPayload(pod: Readonly<Pod>, source: NonNullable<Volume['downwardAPI']>, allocatable: NodeAllocatable): Map<string, FileProjection> {
  const defaultMode = source.defaultMode ?? DEFAULT_MODE;
  const out = new Map<string, FileProjection>();
  const problems: string[] = [];
  for (const item of source.items ?? ([] as DownwardAPIVolumeFile[])) {
    const p = item.path.replace(/\/+$/, '');
    let value: string | undefined;
    try {
      if (item.fieldRef) value = extractFieldPath(pod, item.fieldRef.fieldPath);
      else if (item.resourceFieldRef) value = podContainerResourceValue(item.resourceFieldRef, pod, allocatable);
    } catch (e) {
      problems.push(e instanceof Error ? e.message : String(e));
      continue;
    }
    out.set(p, { data: Buffer.from(value ?? '', 'utf8'), mode: item.mode ?? defaultMode });
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return out;
}
