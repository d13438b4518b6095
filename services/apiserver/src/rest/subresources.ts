// The subresources the REST API routes, per resource: one table that both the router and discovery
// read. Status, scale and update subresources (namespaces/finalize) come from the kinds'
// strategies; the pod's own (binding, eviction, log, exec, attach, portforward) are listed here.

import type { Strategy } from '../registry/strategy.js';

export type SubresourceHandling =
  /** GET/PUT/PATCH of the object through the store (status, finalize). */
  | 'object'
  /** GET/PUT/PATCH of an autoscaling/v1 Scale. */
  | 'scale'
  | 'binding'
  | 'eviction'
  | 'log'
  /** A streaming upgrade (exec, attach, portforward): handed to the streams extension. */
  | 'upgrade';

export interface SubresourceInfo {
  name: string;
  handling: SubresourceHandling;
  /** Discovery verbs. */
  verbs: string[];
  /** The kind it answers with, when not the resource's own. */
  responseKind?: { group: string; version: string; kind: string };
}

const POD_SUBRESOURCES: readonly SubresourceInfo[] = [
  { name: 'attach', handling: 'upgrade', verbs: ['create', 'get'], responseKind: { group: '', version: 'v1', kind: 'PodAttachOptions' } },
  { name: 'binding', handling: 'binding', verbs: ['create'], responseKind: { group: '', version: 'v1', kind: 'Binding' } },
  { name: 'eviction', handling: 'eviction', verbs: ['create'], responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' } },
  { name: 'exec', handling: 'upgrade', verbs: ['create', 'get'], responseKind: { group: '', version: 'v1', kind: 'PodExecOptions' } },
  { name: 'log', handling: 'log', verbs: ['get'], responseKind: { group: '', version: 'v1', kind: 'Pod' } },
  { name: 'portforward', handling: 'upgrade', verbs: ['create', 'get'], responseKind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' } },
];

/** Every subresource of a kind, sorted by name. */
export function subresourcesOf(strategy: Strategy): SubresourceInfo[] {
  const out: SubresourceInfo[] = [];
  if (strategy.hasStatusSubresource) out.push({ name: 'status', handling: 'object', verbs: ['get', 'patch', 'update'] });
  if (strategy.hasScaleSubresource) {
    out.push({ name: 'scale', handling: 'scale', verbs: ['get', 'patch', 'update'], responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } });
  }
  for (const name of Object.keys(strategy.updateSubresources ?? {})) out.push({ name, handling: 'object', verbs: ['update'] });
  if (strategy.info.resource === 'pods' && strategy.info.group === '') out.push(...POD_SUBRESOURCES);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function findSubresource(strategy: Strategy, name: string): SubresourceInfo | undefined {
  return subresourcesOf(strategy).find((s) => s.name === name);
}

/** Verbs of every resource the generic store serves. */
export const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** The kinds `kubectl get all` shows (their storages' Categories() in Kubernetes). */
const ALL_CATEGORY = new Set(['pods', 'services', 'replicationcontrollers', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'horizontalpodautoscalers']);

export function categoriesOf(resource: string): string[] {
  return ALL_CATEGORY.has(resource) ? ['all'] : [];
}
