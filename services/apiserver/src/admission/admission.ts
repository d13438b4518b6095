// Admission: a small chain of plugins that every create and update of an object (not of its
// subresources) goes through in the registry, after Kubernetes' admission chain
// (staging/src/k8s.io/apiserver/pkg/admission). The mutating phase (`admit`) runs after the object
// is defaulted and before it is validated; the validating phase (`validate`) after validation,
// right before it is stored. A plugin refuses by throwing an ApiError (Forbidden for policy).

import { ApiError, type KubeList, type KubeObject, type ResourceInfo } from '@skiff/api';
import { qualifiedResource } from '../registry/strategy.js';
import { DefaultTolerationSeconds } from './default-toleration-seconds.js';
import { LimitRanger } from './limit-ranger.js';
import { ResourceQuotaAdmission } from './resource-quota.js';

export type Operation = 'CREATE' | 'UPDATE';

export interface AdmissionAttributes {
  readonly operation: Operation;
  readonly info: ResourceInfo;
  /** Always "" today: the registry admits writes of objects, not of their subresources. */
  readonly subresource: string;
  readonly namespace: string;
  /** The object to be stored: mutating plugins change it in place. */
  readonly object: KubeObject;
  /** The stored object, for updates. */
  readonly oldObject?: KubeObject;
  readonly dryRun: boolean;
}

export interface AdmissionPlugin {
  readonly name: string;
  admit?(a: AdmissionAttributes): Promise<void>;
  validate?(a: AdmissionAttributes): Promise<void>;
}

/** What the registry calls. */
export interface Admission {
  admit(a: AdmissionAttributes): Promise<void>;
  validate(a: AdmissionAttributes): Promise<void>;
}

/** What plugins read and write through: the registry's stores. */
export interface AdmissionStores {
  store(resource: string): {
    readonly info: ResourceInfo;
    list(opts: { namespace?: string }): Promise<KubeList>;
    update(namespace: string, name: string, body: unknown, opts: { subresource?: string }): Promise<KubeObject>;
  };
}

export interface AdmissionOptions {
  /** DefaultTolerationSeconds: how long pods tolerate node.kubernetes.io/not-ready:NoExecute (300). */
  defaultNotReadyTolerationSeconds?: number;
  /** DefaultTolerationSeconds: how long pods tolerate node.kubernetes.io/unreachable:NoExecute (300). */
  defaultUnreachableTolerationSeconds?: number;
  now?: () => Date;
}

export class AdmissionChain implements Admission {
  constructor(readonly plugins: readonly AdmissionPlugin[]) {}

  async admit(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) await p.admit?.(a);
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    for (const p of this.plugins) await p.validate?.(a);
  }
}

/** Skiff's plugins, in Kubernetes' order: LimitRanger, DefaultTolerationSeconds, ResourceQuota. */
export function defaultAdmission(stores: AdmissionStores, opts: AdmissionOptions = {}): AdmissionChain {
  return new AdmissionChain([
    new LimitRanger(stores),
    new DefaultTolerationSeconds(opts.defaultNotReadyTolerationSeconds ?? 300, opts.defaultUnreachableTolerationSeconds ?? 300),
    new ResourceQuotaAdmission(stores, opts.now ?? (() => new Date())),
  ]);
}

/** admission.NewForbidden: `pods "web" is forbidden: <why>` (no name yet: `pods is forbidden: ...`). */
export function admissionForbidden(a: AdmissionAttributes, why: string): ApiError {
  const resource = qualifiedResource(a.info);
  const name = a.object.metadata.name ?? '';
  return new ApiError('Forbidden', name ? `${resource} "${name}" is forbidden: ${why}` : `${resource} is forbidden: ${why}`, { name, kind: resource });
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several as `[a, b]`. */
export function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}
