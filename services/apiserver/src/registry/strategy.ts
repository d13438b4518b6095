// What the generic store needs to know about one kind: its schema (the fields Skiff supports),
// defaults, validation, how status is handled, its selectable fields and whether deletion is
// graceful. One strategy per kind, each in strategies/<kind>.ts, after Kubernetes'
// pkg/registry/<group>/<kind>/strategy.go.

import type { FieldError, KubeObject, ResourceInfo } from '@skiff/api';
import type { Schema } from './schema.js';
import type { NameValidator } from './validation/meta.js';

export interface Strategy<T extends KubeObject = KubeObject> {
  readonly info: ResourceInfo;
  /** The whole object's schema: anything outside it is refused as an unknown field. */
  readonly schema: Schema;
  readonly nameValidator: NameValidator;
  /** metadata.generation starts at 1 and grows on each spec change. */
  readonly tracksGeneration: boolean;
  /** The kind has a `status` that the main resource ignores and the `status` subresource sets. */
  readonly hasStatusSubresource: boolean;
  /** Fills defaults; runs on create and on every update (as Kubernetes defaults every decode). */
  applyDefaults(obj: T): void;
  /** Create-only preparation (e.g. reset status). Runs after applyDefaults. */
  prepareForCreate(obj: T): void;
  validate(obj: T): FieldError[];
  /** Update rules beyond `validate(obj)`: immutable fields and allowed transitions. */
  validateUpdate(obj: T, old: T): FieldError[];
  validateStatus(obj: T, old: T): FieldError[];
  /** Field-selector values beyond metadata.name and metadata.namespace. */
  selectableFields(obj: T): Record<string, string>;
  /**
   * For kinds with graceful deletion (pods): the grace period to use given the requested one
   * (undefined: the object's default). Absent for kinds that are deleted at once.
   */
  gracePeriodSeconds?(obj: T, requested: number | undefined): number;
}

/** The selectable fields of any object, plus the kind's own. */
export function objectFields(strategy: Strategy, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
  if (strategy.info.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? '';
  return { ...fields, ...strategy.selectableFields(obj) };
}

/** Qualified kind as in Kubernetes messages: `Pod`, `ReplicaSet.apps`, `Lease.coordination.k8s.io`. */
export function qualifiedKind(info: ResourceInfo): string {
  return info.group ? `${info.kind}.${info.group}` : info.kind;
}

/** Qualified resource as in Kubernetes messages: `pods`, `replicasets.apps`. */
export function qualifiedResource(info: ResourceInfo): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}
