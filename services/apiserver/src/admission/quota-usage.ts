// What objects count against a ResourceQuota (pkg/quota/v1/evaluator/core): every object counts 1
// toward `count/<resource>[.<group>]` (and the legacy names `configmaps`, `secrets`, ...); a pod
// that has not finished also counts toward `pods` and its requests and limits (`requests.cpu`,
// `cpu`, `limits.memory`, ...), the sum over its containers but at least its largest init
// container. Amounts are whole numbers: millicores for CPU, bytes or objects for the rest.

import { cpuMillis, formatQuantity, parseQuantity, type Container, type KubeObject, type Pod, type ResourceInfo, type ResourceList } from '@skiff/api';

export type Usage = Map<string, number>;

/** Object counts that have a name of their own besides count/<resource>. */
const LEGACY_COUNTS = new Set(['configmaps', 'secrets', 'services', 'resourcequotas', 'replicationcontrollers', 'persistentvolumeclaims']);

/** The quota resources a pod's compute usage is reported under. */
const POD_RESOURCES = new Set([
  'pods',
  'cpu',
  'memory',
  'ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
]);

/** The resources whose quota requires every container to state them (the pod evaluator's Constraints). */
export const CONSTRAINED = ['cpu', 'limits.cpu', 'limits.memory', 'memory', 'requests.cpu', 'requests.memory'];

function isCpu(resource: string): boolean {
  return resource === 'cpu' || resource.endsWith('.cpu');
}

/** A quantity in whole units: millicores for CPU resources, else the value rounded up. */
export function amount(resource: string, raw: string | number | undefined): number | undefined {
  if (parseQuantity(raw) === undefined) return undefined;
  return isCpu(resource) ? cpuMillis(String(raw)) : Math.ceil(parseQuantity(raw) ?? 0);
}

export function formatAmount(resource: string, value: number): string {
  return formatQuantity(resource, isCpu(resource) ? value / 1000 : value);
}

export function countResourceName(info: ResourceInfo): string {
  return info.group ? `count/${info.resource}.${info.group}` : `count/${info.resource}`;
}

/** Which resource's objects a quota resource counts, for listing: `count/deployments.apps` → `deployments.apps`. */
export function listedResource(quotaResource: string): string | undefined {
  if (quotaResource.startsWith('count/')) return quotaResource.slice('count/'.length);
  if (LEGACY_COUNTS.has(quotaResource)) return quotaResource;
  if (POD_RESOURCES.has(quotaResource)) return 'pods';
  return undefined;
}

/** QuotaV1Pod: a pod stops counting once it finished or its deletion grace period is over. */
function podCounts(pod: Pod, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const deleting = pod.metadata.deletionTimestamp;
  return !(deleting && now.getTime() >= Date.parse(deleting));
}

function containerAmounts(list: ResourceList | undefined, prefix: string): Usage {
  const out: Usage = new Map();
  for (const [name, raw] of Object.entries(list ?? {})) {
    const value = amount(name, raw);
    if (value !== undefined) out.set(`${prefix}${name}`, value);
  }
  return out;
}

/** The pod's requests or limits (resourcehelper.PodRequests): summed over containers, at least each init container's. */
function podAmounts(pod: Pod, which: 'requests' | 'limits'): Usage {
  const total: Usage = new Map();
  for (const c of pod.spec.containers ?? []) for (const [k, v] of containerAmounts(c.resources?.[which], '')) total.set(k, (total.get(k) ?? 0) + v);
  for (const c of pod.spec.initContainers ?? []) for (const [k, v] of containerAmounts(c.resources?.[which], '')) total.set(k, Math.max(total.get(k) ?? 0, v));
  return total;
}

/** podComputeUsageHelper: requests count under `requests.X` and plain `X`, limits under `limits.X`. */
function computeUsage(requests: Usage, limits: Usage): Usage {
  const u: Usage = new Map();
  for (const [k, v] of requests) {
    u.set(`requests.${k}`, v);
    u.set(k, v);
  }
  for (const [k, v] of limits) u.set(`limits.${k}`, v);
  return u;
}

/** What one object uses of every quota resource it counts toward. */
export function objectUsage(info: ResourceInfo, obj: KubeObject, now: Date): Usage {
  const usage: Usage = new Map([[countResourceName(info), 1]]);
  if (info.group === '' && LEGACY_COUNTS.has(info.resource)) usage.set(info.resource, 1);
  if (info.group !== '' || info.resource !== 'pods') return usage;
  const pod = obj as Pod;
  if (!pod.spec || !podCounts(pod, now)) return usage;
  usage.set('pods', 1);
  for (const [k, v] of computeUsage(podAmounts(pod, 'requests'), podAmounts(pod, 'limits'))) usage.set(k, v);
  return usage;
}

/** The constrained resources one container does not state, of those `required`. */
export function missingResources(c: Container, required: ReadonlySet<string>): string[] {
  const stated = computeUsage(containerAmounts(c.resources?.requests, ''), containerAmounts(c.resources?.limits, ''));
  return [...required].filter((r) => !stated.has(r));
}

export function addUsage(into: Usage, more: Usage): void {
  for (const [k, v] of more) into.set(k, (into.get(k) ?? 0) + v);
}

/** prettyPrint: `requests.memory=2Gi,pods=3`, keys sorted. */
export function prettyPrint(usage: Usage, keys: readonly string[]): string {
  return [...keys].sort().map((k) => `${k}=${formatAmount(k, usage.get(k) ?? 0)}`).join(',');
}
