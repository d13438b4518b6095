// The autoscaling/v1 `scale` subresource of Deployments and ReplicaSets, after Kubernetes'
// ScaleREST (pkg/registry/apps/deployment/storage/storage.go): a Scale is a view of the owner's
// spec.replicas, status.replicas and selector; writing one changes only the owner's spec.replicas,
// through the owner's own update rules (validation, generation).

import { errors, Selector, selectorFromLabelSelector, type FieldError, type KubeObject, type LabelSelector, type ResourceInfo, type Scale } from '@skiff/api';
import { decodeBody, type DecodeTarget } from './decode.js';
import { objectMetaSchema } from './meta-schema.js';
import { S } from './schema.js';
import { nonNegative } from './validation/field-errors.js';

/** What a kind with a scale subresource has: spec.replicas, spec.selector and status.replicas. */
interface Scalable extends KubeObject {
  spec: { replicas?: number; selector?: LabelSelector };
  status?: { replicas?: number };
}

/** The autoscaling/v1 Scale body the subresource accepts. */
export const SCALE_SCHEMA = S.object({
  apiVersion: S.string,
  kind: S.string,
  metadata: objectMetaSchema,
  spec: S.object({ replicas: S.integer }),
  status: S.object({ replicas: S.integer, selector: S.string }, { required: ['replicas'] }),
});

/** The Scale's kind, qualified as in Kubernetes messages. */
export const SCALE_KIND = 'Scale.autoscaling';

function scaleTarget(owner: ResourceInfo): DecodeTarget {
  const info: ResourceInfo = { ...owner, resource: `${owner.resource}/scale`, singular: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', shortNames: [] };
  return { info, schema: SCALE_SCHEMA };
}

/** The selector's string form as Kubernetes prints it (LabelSelectorAsSelector: keys and values sorted). */
export function selectorString(ls: LabelSelector | undefined): string {
  const reqs = [...selectorFromLabelSelector(ls).requirements]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => ({ ...r, values: [...r.values].sort() }));
  return new Selector(reqs).toString();
}

/** scaleFromDeployment / scaleFromReplicaSet. */
export function scaleOf(obj: KubeObject): Scale {
  const owner = obj as Scalable;
  const m = owner.metadata;
  const metadata: Scale['metadata'] = {};
  if (m.name !== undefined) metadata.name = m.name;
  if (m.namespace !== undefined) metadata.namespace = m.namespace;
  if (m.uid !== undefined) metadata.uid = m.uid;
  if (m.resourceVersion !== undefined) metadata.resourceVersion = m.resourceVersion;
  if (m.creationTimestamp !== undefined) metadata.creationTimestamp = m.creationTimestamp;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata,
    spec: { replicas: owner.spec?.replicas ?? 0 },
    status: { replicas: owner.status?.replicas ?? 0, selector: selectorString(owner.spec?.selector) },
  };
}

/** A request's Scale: autoscaling/v1 (kind and apiVersion may be omitted), only the Scale's fields. */
export function decodeScale(owner: ResourceInfo, body: unknown): Scale {
  return decodeBody(scaleTarget(owner), body) as Scale;
}

/** ValidateScale (metadata comes from the owner, so only the replicas). */
export function validateScale(scale: Scale): FieldError[] {
  return nonNegative('spec.replicas', scale.spec?.replicas);
}

/**
 * The owner with the Scale's replicas (scaleUpdatedObjectInfo.UpdatedObject): refuses an invalid
 * Scale or one whose uid names another object. The caller checks the Scale's resourceVersion.
 */
export function applyScale(owner: ResourceInfo, current: KubeObject, scale: Scale): KubeObject {
  const name = current.metadata.name ?? '';
  const problems = validateScale(scale);
  if (problems.length > 0) throw errors.invalid(SCALE_KIND, name, problems);
  const uid = scale.metadata.uid;
  if (uid && uid !== current.metadata.uid) {
    const resource = owner.group ? `${owner.resource}/scale.${owner.group}` : `${owner.resource}/scale`;
    throw errors.conflict(resource, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid ?? ''}`);
  }
  const next = structuredClone(current) as Scalable;
  // autoscaling/v1 ScaleSpec.replicas is omitempty: absent means 0.
  next.spec = { ...next.spec, replicas: scale.spec?.replicas ?? 0 };
  return next;
}
