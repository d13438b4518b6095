// LimitRanger (plugin/pkg/admission/limitranger): on pod creation, the namespace's LimitRanges
// fill each container's missing limits from `default` and requests from `defaultRequest`
// (recorded in the kubernetes.io/limit-ranger annotation), then every Container item's min, max
// and maxLimitRequestRatio are enforced per container and every Pod item's on the pod's totals,
// with Kubernetes' messages (`maximum memory usage per Container is 1Gi, but limit is 2Gi`).

import { formatQuantity, parseQuantity, type Container, type LimitRange, type LimitRangeItem, type Pod, type ResourceList } from '@skiff/api';
import { admissionForbidden, aggregate, type AdmissionAttributes, type AdmissionPlugin, type AdmissionStores } from './admission.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type Values = ReadonlyMap<string, { raw: string; value: number }>;

function values(list: ResourceList | undefined): Map<string, { raw: string; value: number }> {
  const out = new Map<string, { raw: string; value: number }>();
  for (const [k, raw] of Object.entries(list ?? {})) {
    const value = parseQuantity(raw);
    if (raw !== undefined && value !== undefined) out.set(k, { raw: String(raw), value });
  }
  return out;
}

function minConstraint(type: string, resource: string, enforced: string, min: number, req: Values, lim: Values): string | undefined {
  const r = req.get(resource);
  const l = lim.get(resource);
  if (!r) return `minimum ${resource} usage per ${type} is ${enforced}.  No request is specified`;
  if (r.value < min) return `minimum ${resource} usage per ${type} is ${enforced}, but request is ${r.raw}`;
  if (l && l.value < min) return `minimum ${resource} usage per ${type} is ${enforced}, but limit is ${l.raw}`;
  return undefined;
}

function maxConstraint(type: string, resource: string, enforced: string, max: number, req: Values, lim: Values): string | undefined {
  const r = req.get(resource);
  const l = lim.get(resource);
  if (!l) return `maximum ${resource} usage per ${type} is ${enforced}.  No limit is specified`;
  if (l.value > max) return `maximum ${resource} usage per ${type} is ${enforced}, but limit is ${l.raw}`;
  if (r && r.value > max) return `maximum ${resource} usage per ${type} is ${enforced}, but request is ${r.raw}`;
  return undefined;
}

function ratioConstraint(type: string, resource: string, enforced: string, ratio: number, req: Values, lim: Values): string | undefined {
  const r = req.get(resource);
  const l = lim.get(resource);
  if (!r || r.value === 0) return `${resource} max limit to request ratio per ${type} is ${enforced}, but no request is specified or request is 0`;
  if (!l || l.value === 0) return `${resource} max limit to request ratio per ${type} is ${enforced}, but no limit is specified or limit is 0`;
  const observed = l.value / r.value;
  return observed > ratio ? `${resource} max limit to request ratio per ${type} is ${enforced}, but provided ratio is ${observed.toFixed(6)}` : undefined;
}

/** Every violation of one LimitRange item by these requests and limits. */
function enforce(item: LimitRangeItem, req: Values, lim: Values): string[] {
  const out: (string | undefined)[] = [];
  for (const [k, v] of values(item.min)) out.push(minConstraint(item.type, k, v.raw, v.value, req, lim));
  for (const [k, v] of values(item.max)) out.push(maxConstraint(item.type, k, v.raw, v.value, req, lim));
  for (const [k, v] of values(item.maxLimitRequestRatio)) out.push(ratioConstraint(item.type, k, v.raw, v.value, req, lim));
  return out.filter((m): m is string => m !== undefined);
}

/** The pod's total (resourcehelper.PodRequests/PodLimits): the sum over containers, at least the largest init container. */
function podTotals(pod: Pod, which: 'requests' | 'limits'): Map<string, { raw: string; value: number }> {
  const total = new Map<string, number>();
  for (const c of pod.spec.containers ?? []) for (const [k, v] of values(c.resources?.[which])) total.set(k, (total.get(k) ?? 0) + v.value);
  for (const c of pod.spec.initContainers ?? []) for (const [k, v] of values(c.resources?.[which])) total.set(k, Math.max(total.get(k) ?? 0, v.value));
  return new Map([...total].map(([k, value]) => [k, { raw: formatQuantity(k, value), value }]));
}

/** mergeContainerResources: fills what the container lacks; returns the annotation fragments. */
function mergeDefaults(c: Container, kind: string, limits: ResourceList, requests: ResourceList): string[] {
  const notes: string[] = [];
  for (const [which, defaults] of [['requests', requests], ['limits', limits]] as const) {
    const set: string[] = [];
    for (const [k, v] of Object.entries(defaults)) {
      if (v === undefined || c.resources?.[which]?.[k] !== undefined) continue;
      c.resources ??= {};
      (c.resources[which] ??= {})[k] = v;
      set.push(k);
    }
    if (set.length > 0) notes.push(`${set.sort().join(', ')} ${which === 'limits' ? 'limit' : 'request'} for ${kind} ${c.name}`);
  }
  return notes;
}

export class LimitRanger implements AdmissionPlugin {
  readonly name = 'LimitRanger';

  constructor(private readonly stores: AdmissionStores) {}

  private applies(a: AdmissionAttributes): boolean {
    // Containers cannot be added or resized by an update, so only creation is checked (as Kubernetes does).
    return a.operation === 'CREATE' && a.info.resource === 'pods' && a.info.group === '' && typeof (a.object as Pod).spec === 'object';
  }

  private async limitRanges(namespace: string): Promise<LimitRange[]> {
    return (await this.stores.store('limitranges').list({ namespace })).items as LimitRange[];
  }

  async admit(a: AdmissionAttributes): Promise<void> {
    if (!this.applies(a)) return;
    const pod = a.object as Pod;
    for (const lr of await this.limitRanges(a.namespace)) {
      const limits: ResourceList = {};
      const requests: ResourceList = {};
      for (const item of lr.spec?.limits ?? []) {
        if (item.type !== 'Container') continue;
        Object.assign(requests, item.defaultRequest ?? {});
        Object.assign(limits, item.default ?? {});
      }
      const notes = [
        ...(pod.spec.containers ?? []).flatMap((c) => mergeDefaults(c, 'container', limits, requests)),
        ...(pod.spec.initContainers ?? []).flatMap((c) => mergeDefaults(c, 'init container', limits, requests)),
      ];
      if (notes.length > 0) pod.metadata.annotations = { ...pod.metadata.annotations, [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
    }
  }

  async validate(a: AdmissionAttributes): Promise<void> {
    if (!this.applies(a)) return;
    const pod = a.object as Pod;
    const problems: string[] = [];
    for (const lr of await this.limitRanges(a.namespace)) {
      for (const item of lr.spec?.limits ?? []) {
        if (item.type === 'Container') {
          for (const c of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])]) {
            problems.push(...enforce(item, values(c.resources?.requests), values(c.resources?.limits)));
          }
        } else if (item.type === 'Pod') {
          problems.push(...enforce(item, podTotals(pod, 'requests'), podTotals(pod, 'limits')));
        }
      }
    }
    if (problems.length > 0) throw admissionForbidden(a, aggregate(problems));
  }
}
