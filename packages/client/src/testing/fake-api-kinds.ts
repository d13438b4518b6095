// FakeApi's rules, after the real registry (services/apiserver/src/registry: strategies/*,
// object-filter.ts, merge-patch.ts, delete-plan.ts): per kind, whether metadata.generation is
// tracked, whether status is a subresource, what a create resets and which fields a selector may
// name; how a body is decoded, a merge patch applied and a delete planned. No validation and no
// defaulting: those are the apiserver's own subject, tested there.

import { isDeepStrictEqual } from 'node:util';
import { ApiError, apiVersionOf, clone, errors, findResource, nowRFC3339, parseFieldSelector, parseSelector, qosClass, type KubeObject, type Namespace, type Pod, type ResourceInfo } from '@skiff/api';
import type { DeleteOptions } from '../client.js';

export interface Kind {
  info: ResourceInfo;
  /** The name errors use: `pods`, `replicasets.apps`. */
  qualified: string;
  generation: boolean;
  statusSubresource: boolean;
  /** Whether the kind has the `scale` subresource (autoscaling/v1 Scale). */
  scaleSubresource?: boolean;
  /** Whether an annotation change bumps metadata.generation too (Deployments: they are copied to the new ReplicaSet). */
  annotationsBumpGeneration?: boolean;
  /** Selectable fields beyond metadata.name and metadata.namespace (the fake knows only these). */
  fields: string[];
  resetOnCreate?: (obj: KubeObject) => void;
}

/** The finalizer every namespace gets on create; the namespace controller removes it through `namespaces/finalize`. */
export const NAMESPACE_FINALIZER = 'kubernetes';

/** A namespace's `spec.finalizers` (its content still has to be removed while any remain). */
export function specFinalizers(kind: Kind, obj: KubeObject): string[] {
  return kind.info.resource === 'namespaces' ? ((obj as Namespace).spec?.finalizers ?? []) : [];
}

const KINDS: Record<string, Omit<Kind, 'info' | 'qualified'>> = {
  namespaces: {
    generation: false,
    statusSubresource: true,
    fields: ['status.phase'],
    // Kubernetes' namespace strategy: Active, and the `kubernetes` finalizer the namespace controller removes.
    resetOnCreate: (o) => {
      const ns = o as Namespace;
      const finalizers = ns.spec?.finalizers ?? [];
      ns.spec = { ...ns.spec, finalizers: finalizers.includes(NAMESPACE_FINALIZER) ? finalizers : [...finalizers, NAMESPACE_FINALIZER] };
      ns.status = { phase: 'Active' };
    },
  },
  nodes: { generation: true, statusSubresource: true, fields: [] },
  pods: {
    generation: true,
    statusSubresource: true,
    fields: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'status.phase', 'status.podIP'],
    resetOnCreate: (o) => void (o.status = { phase: 'Pending', qosClass: qosClass((o as Pod).spec ?? { containers: [] }) }),
  },
  replicasets: { generation: true, statusSubresource: true, scaleSubresource: true, fields: [], resetOnCreate: (o) => void (o.status = { replicas: 0 }) },
  deployments: { generation: true, statusSubresource: true, scaleSubresource: true, annotationsBumpGeneration: true, fields: [], resetOnCreate: (o) => void (o.status = {}) },
  events: { generation: false, statusSubresource: false, fields: [] },
  leases: { generation: false, statusSubresource: false, fields: [] },
  configmaps: { generation: false, statusSubresource: false, fields: [] },
  secrets: { generation: false, statusSubresource: false, fields: ['type'] },
  // As the real strategy: an empty status and no observedGeneration until the disruption controller saw it.
  poddisruptionbudgets: {
    generation: true,
    statusSubresource: true,
    fields: [],
    resetOnCreate: (o) => void (o.status = { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 }),
  },
  // Networking (issue 5), as their registries: a Service's and an Ingress's status is a subresource
  // (cleared on create); Endpoints and EndpointSlices are plain objects.
  services: { generation: true, statusSubresource: true, fields: [], resetOnCreate: (o) => void (o.status = { loadBalancer: {} }) },
  endpoints: { generation: false, statusSubresource: false, fields: [] },
  endpointslices: { generation: true, statusSubresource: false, fields: [] },
  ingresses: { generation: true, statusSubresource: true, fields: [], resetOnCreate: (o) => void (o.status = { loadBalancer: {} }) },
  ingressclasses: { generation: true, statusSubresource: false, fields: [] },
};

/** The kind of "pods", "po", "Pod", "replicasets.apps"; NotFound for kinds the apiserver does not serve. */
export function kindOf(resource: string): Kind {
  const info = findResource(resource);
  const kind = info && KINDS[info.resource];
  if (!info || !kind) throw new ApiError('NotFound', `the server doesn't have a resource type "${resource}"`);
  return { ...kind, info, qualified: info.group ? `${info.resource}.${info.group}` : info.resource };
}

function fieldsOf(kind: Kind, obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
  if (kind.info.namespaced) out['metadata.namespace'] = obj.metadata.namespace ?? '';
  for (const f of kind.fields) out[f] = String(f.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj) ?? '');
  return out;
}

function parse<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw errors.badRequest(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Which objects a list or watch wants; BadRequest for selectors that do not parse or name unsupported fields. */
export function filterOf(kind: Kind, opts: { namespace?: string; labelSelector?: string; fieldSelector?: string }): (obj: KubeObject) => boolean {
  const labels = parse('unable to parse requirement', () => parseSelector(opts.labelSelector ?? ''));
  const fields = parse('invalid field selector', () => parseFieldSelector(opts.fieldSelector ?? ''));
  const supported = Object.keys(fieldsOf(kind, { apiVersion: '', kind: '', metadata: {} }));
  for (const r of fields.requirements) if (!supported.includes(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
  const namespace = kind.info.namespaced ? (opts.namespace ?? '') : '';
  return (obj) => (!namespace || obj.metadata.namespace === namespace) && labels.matches(obj.metadata.labels) && fields.matches(fieldsOf(kind, obj));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  return isObject(v) ? Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (x === null ? [] : [[k, pruneNulls(x)]]))) : v;
}

/** A request body as the apiserver stores it: plain JSON (undefined dropped, nulls pruned) with its kind's apiVersion and kind. */
export function decode(kind: Kind, body: unknown): KubeObject {
  if (!isObject(body)) throw errors.badRequest(`${kind.info.kind} in version "${kind.info.version}" cannot be handled as a ${kind.info.kind}: the object must be a JSON object`);
  const obj = pruneNulls(JSON.parse(JSON.stringify(body))) as KubeObject;
  return { ...obj, apiVersion: apiVersionOf(kind.info), kind: kind.info.kind, metadata: obj.metadata ?? {} };
}


function gcFinalizers(finalizers: string[], policy: DeleteOptions['propagationPolicy']): string[] {
  if (policy === undefined) return finalizers;
  const rest = finalizers.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
  return policy === 'Orphan' ? [...rest, 'orphan'] : policy === 'Foreground' ? [...rest, 'foregroundDeletion'] : rest;
}

/** A scheduled, unfinished pod is deleted gracefully; anything else at once. */
function gracePeriod(kind: Kind, pod: Pod, requested: number | undefined): number {
  if (kind.info.resource !== 'pods' || !pod.spec?.nodeName || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 0;
  return requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
}

/** What a delete does: remove the object now, keep it marked (finalizers, grace period), or nothing. */
export function planDelete(kind: Kind, cur: KubeObject, opts: DeleteOptions): KubeObject | 'delete' | 'none' {
  const { uid, resourceVersion } = opts.preconditions ?? {};
  const precondition = (what: string, want: string, have = ''): ApiError =>
    errors.conflict(kind.qualified, cur.metadata.name ?? '', `Precondition failed: ${what} in precondition: ${want}, ${what} in object meta: ${have}`);
  if (uid && uid !== cur.metadata.uid) throw precondition('UID', uid, cur.metadata.uid);
  if (resourceVersion && resourceVersion !== cur.metadata.resourceVersion) throw precondition('ResourceVersion', resourceVersion, cur.metadata.resourceVersion);
  const obj = clone(cur);
  const meta = obj.metadata;
  const requested = opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds >= 0 ? opts.gracePeriodSeconds : undefined;
  const finalizers = gcFinalizers(meta.finalizers ?? [], opts.propagationPolicy);
  if (meta.deletionTimestamp) {
    const grace = meta.deletionGracePeriodSeconds ?? 0;
    if (grace > 0) {
      // A pending graceful deletion may only be shortened.
      if (requested === undefined || requested >= grace) return 'none';
      meta.deletionTimestamp = nowRFC3339(new Date(Date.parse(meta.deletionTimestamp) - (grace - requested) * 1000));
      meta.deletionGracePeriodSeconds = requested;
      return requested === 0 && !meta.finalizers?.length ? 'delete' : obj;
    }
    if (!meta.finalizers?.length) return specFinalizers(kind, obj).length === 0 ? 'delete' : 'none';
    if (isDeepStrictEqual(finalizers, meta.finalizers)) return 'none';
    meta.finalizers = finalizers;
    return obj;
  }
  if (finalizers.length > 0) meta.finalizers = finalizers;
  else delete meta.finalizers;
  const period = gracePeriod(kind, obj as Pod, requested);
  if (period === 0 && finalizers.length === 0 && specFinalizers(kind, obj).length === 0) return 'delete';
  meta.deletionTimestamp = nowRFC3339(new Date(Date.now() + period * 1000));
  meta.deletionGracePeriodSeconds = period;
  if (meta.generation !== undefined) meta.generation += 1;
  // A namespace being deleted is Terminating until its content is gone and it is finalized.
  if (kind.info.resource === 'namespaces') (obj as Namespace).status = { ...(obj as Namespace).status, phase: 'Terminating' };
  return obj;
}
