// The object an update stores (rest.BeforeUpdate and the strategies' PrepareForUpdate): the
// server's metadata (uid, creationTimestamp, deletion marks, generation) kept, status kept by the
// main resource and nothing but status taken by the `status` subresource, a kind's own update
// subresources (namespaces/finalize), then validated; generation grows when the spec changed.

import { isDeepStrictEqual } from 'node:util';
import { errors, type FieldError, type KubeObject } from '@skiff/api';
import { qualifiedKind, type Strategy } from './strategy.js';
import { validateObjectMetaUpdate } from './validation/meta.js';

function invalid(strategy: Strategy, obj: KubeObject, problems: FieldError[]): never {
  throw errors.invalid(qualifiedKind(strategy.info), obj.metadata.name ?? '', problems);
}

function prepareStatusUpdate(s: Strategy, current: KubeObject, next: KubeObject): KubeObject {
  if (!s.hasStatusSubresource) throw errors.notFound(`${s.info.resource}/status`, current.metadata.name ?? '');
  const updated = structuredClone(current);
  if (next.status === undefined) delete updated.status;
  else updated.status = next.status;
  s.applyDefaults(updated);
  const problems = s.validateStatus(updated, current);
  if (problems.length > 0) invalid(s, updated, problems);
  return updated;
}

/** A kind's own update subresource: it builds the object from the stored one, which is then validated. */
function prepareSubresourceUpdate(s: Strategy, current: KubeObject, next: KubeObject, subresource: string): KubeObject {
  const build = s.updateSubresources?.[subresource];
  if (!build) throw errors.notFound(`${s.info.resource}/${subresource}`, current.metadata.name ?? '');
  const updated = build(next, structuredClone(current));
  s.applyDefaults(updated);
  const problems = [...s.validate(updated), ...validateObjectMetaUpdate(updated.metadata, current.metadata)];
  if (problems.length > 0) invalid(s, updated, problems);
  return updated;
}

export function prepareUpdate(s: Strategy, current: KubeObject, next: KubeObject, subresource: string): KubeObject {
  if (subresource === 'status') return prepareStatusUpdate(s, current, next);
  if (subresource) return prepareSubresourceUpdate(s, current, next, subresource);
  const meta = next.metadata;
  const old = current.metadata;
  if (meta.uid === undefined && old.uid !== undefined) meta.uid = old.uid;
  if (old.creationTimestamp) meta.creationTimestamp = old.creationTimestamp;
  else delete meta.creationTimestamp;
  if (old.deletionTimestamp) meta.deletionTimestamp = old.deletionTimestamp;
  else delete meta.deletionTimestamp;
  if (old.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  else delete meta.deletionGracePeriodSeconds;
  if (old.generation !== undefined) meta.generation = old.generation;
  else delete meta.generation;
  if (s.hasStatusSubresource) {
    if (current.status === undefined) delete next.status;
    else next.status = current.status;
  }
  s.prepareForUpdate?.(next, current);
  s.applyDefaults(next);
  const problems = [...s.validate(next), ...validateObjectMetaUpdate(meta, old)];
  if (problems.length === 0) problems.push(...s.validateUpdate(next, current));
  if (problems.length > 0) invalid(s, next, problems);
  const changed = s.generationChanged ? s.generationChanged(next, current) : !isDeepStrictEqual(next.spec, current.spec);
  if (s.tracksGeneration && changed) meta.generation = (old.generation ?? 0) + 1;
  return next;
}
