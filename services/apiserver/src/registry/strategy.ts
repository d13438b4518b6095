// What the generic store needs to know about one kind: its schema (the fields Skiff supports),
// defaults, validation, how status is handled, its selectable fields and whether deletion is
// graceful. One strategy per kind, each in strategies/<kind>.ts, after Kubernetes'
// pkg/registry/<group>/<kind>/strategy.go.

import type { FieldError, KubeObject, ResourceInfo } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { Storage } from '../storage/storage.js';
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
  /**
   * Whether an update without metadata.resourceVersion replaces whatever is stored
   * (AllowUnconditionalUpdate). Default true, as for every kind Skiff serves; false refuses it as Invalid.
   */
  readonly allowUnconditionalUpdate?: boolean;
  /** The autoscaling/v1 `scale` subresource over spec.replicas, status.replicas and spec.selector. */
  readonly hasScaleSubresource?: boolean;
  /** Fills defaults; runs on create and on every update (as Kubernetes defaults every decode). */
  applyDefaults(obj: T): void;
  /** Create-only preparation (e.g. reset status). Runs after applyDefaults. */
  prepareForCreate(obj: T): void;
  /** Update-only preparation of the main resource beyond keeping status (PrepareForUpdate). */
  prepareForUpdate?(obj: T, old: T): void;
  /** Whether an update of the main resource starts a new generation; default: the spec changed. */
  generationChanged?(obj: T, old: T): boolean;
  /**
   * Update subresources beyond `status` (namespaces/finalize): the object to store, built from the
   * stored one and the request's. It is then defaulted and validated like the object itself.
   */
  readonly updateSubresources?: Readonly<Record<string, (obj: T, old: T) => T>>;
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
  /**
   * Kinds whose first delete only marks the object (namespaces): called on the object being marked
   * with deletionTimestamp, to record it (status.phase Terminating). The object then stays while
   * `specFinalizers` or metadata.finalizers are not empty.
   */
  markForDeletion?(obj: T): void;
  /** The kind's own finalizers (a namespace's spec.finalizers), which hold a marked object too. */
  specFinalizers?(obj: T): readonly string[];
  /** Why an object of this name may never be deleted (the built-in namespaces), or undefined. */
  deleteForbidden?(name: string): string | undefined;
  /**
   * Kinds that hold something outside their own key (a Service's ClusterIP and NodePorts): the
   * store's hooks around each write, built once per registry (see WriteHooks).
   */
  writeHooks?(env: StrategyEnv): WriteHooks<T>;
}

/** What a kind's write hooks may use: the registry's storage, its log and cluster settings. */
export interface StrategyEnv {
  readonly storage: Storage;
  readonly log: Logger;
  /** --service-cluster-ip-range, e.g. "10.96.0.0/12". */
  readonly serviceClusterIPRange: string;
  /** --service-node-port-range, e.g. "30000-32767". */
  readonly serviceNodePortRange: string;
}

/**
 * What a write reserved before the object is stored: `commit` once the object is stored (releases
 * what the old object held and the new one no longer does), `revert` when the write failed
 * (gives back what was reserved for it). Both are called at most once and do not throw.
 */
export interface WriteTransaction {
  commit(): Promise<void>;
  revert(): Promise<void>;
}

/**
 * The generic store's hooks around a kind's writes (after the generic registry's BeginCreate,
 * BeginUpdate and AfterDelete in staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go).
 * They run after validation and admission, right before the storage write; a thrown ApiError fails
 * the request. With dryRun they check without reserving anything.
 */
export interface WriteHooks<T extends KubeObject = KubeObject> {
  /** Reserves what `obj` needs and fills it in (a Service's clusterIP and nodePorts). */
  beginCreate?(obj: T, opts: { dryRun: boolean }): Promise<WriteTransaction>;
  /** Reserves what `obj` needs beyond what `old` holds, filling it in. */
  beginUpdate?(obj: T, old: T, opts: { dryRun: boolean }): Promise<WriteTransaction>;
  /** The object is gone from storage: release what it held. Does not throw. */
  afterDelete?(obj: T): Promise<void>;
  /**
   * Brings what the kind holds outside its keys back in line with the stored objects (values
   * leaked by a crash between reserving and storing). Run by the registry after bootstrap and then
   * periodically.
   */
  repair?(): Promise<void>;
}

/** A transaction with nothing to commit or revert. */
export const NO_TRANSACTION: WriteTransaction = { commit: async () => undefined, revert: async () => undefined };

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
