// API discovery, generated from the served resources (RESOURCES and the views of events-v1.ts)
// and the kinds' strategies: /api (APIVersions), /apis (APIGroupList), /apis/<group> (APIGroup),
// /api/v1 and /apis/<group>/<version> (APIResourceList), and aggregated discovery
// (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) for /api and /apis.

import type { ResourceInfo } from '@skiff/api';
import type { Registry } from '../registry/registry.js';
import { SERVED_RESOURCES } from './paths.js';
import { categoriesOf, RESOURCE_VERBS, subresourcesOf } from './subresources.js';

interface GroupVersion {
  group: string;
  version: string;
}

function gvString({ group, version }: GroupVersion): string {
  return group === '' ? version : `${group}/${version}`;
}

/** The served group-versions in the order RESOURCES names them; the core group ('') first. */
function groupVersions(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of SERVED_RESOURCES) {
    const gv = { group: r.group, version: r.version };
    if (!seen.has(gvString(gv))) seen.set(gvString(gv), gv);
  }
  return [...seen.values()].sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : 0));
}

function resourcesOf(gv: GroupVersion): ResourceInfo[] {
  return SERVED_RESOURCES.filter((r) => r.group === gv.group && r.version === gv.version);
}

function versionEntry(gv: GroupVersion) {
  return { groupVersion: gvString(gv), version: gv.version };
}

function apiGroup(group: string) {
  const versions = groupVersions().filter((gv) => gv.group === group).map(versionEntry);
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList() {
  const groups = [...new Set(groupVersions().map((gv) => gv.group))].filter((g) => g !== '');
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(apiGroup) };
}

export function apiGroupOf(group: string) {
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) };
}

export function apiResourceList(registry: Registry, group: string, version: string) {
  const resources: object[] = [];
  for (const info of resourcesOf({ group, version })) {
    const strategy = registry.store(info.resource).strategy;
    const categories = categoriesOf(info.resource);
    resources.push({
      name: info.resource,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: RESOURCE_VERBS,
      ...(info.shortNames.length > 0 ? { shortNames: info.shortNames } : {}),
      ...(categories.length > 0 ? { categories } : {}),
    });
    for (const sub of subresourcesOf(strategy)) {
      const rk = sub.responseKind;
      resources.push({
        name: `${info.resource}/${sub.name}`,
        singularName: '',
        namespaced: info.namespaced,
        ...(rk && (rk.group !== group || rk.version !== version) ? { group: rk.group, version: rk.version } : {}),
        kind: rk?.kind ?? info.kind,
        verbs: sub.verbs,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gvString({ group, version }), resources };
}

function discoveryResource(registry: Registry, info: ResourceInfo) {
  const strategy = registry.store(info.resource).strategy;
  const categories = categoriesOf(info.resource);
  const subresources = subresourcesOf(strategy).map((sub) => ({
    subresource: sub.name,
    responseKind: sub.responseKind ?? { group: info.group, version: info.version, kind: info.kind },
    verbs: sub.verbs,
  }));
  return {
    resource: info.resource,
    responseKind: { group: info.group, version: info.version, kind: info.kind },
    scope: info.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: info.singular,
    verbs: RESOURCE_VERBS,
    ...(info.shortNames.length > 0 ? { shortNames: info.shortNames } : {}),
    ...(categories.length > 0 ? { categories } : {}),
    ...(subresources.length > 0 ? { subresources } : {}),
  };
}

/** apidiscovery.k8s.io/v2 for /api (`legacy`: the core group) or /apis (every named group). */
export function aggregatedDiscovery(registry: Registry, legacy: boolean) {
  const gvs = groupVersions().filter((gv) => (gv.group === '') === legacy);
  const groups = [...new Set(gvs.map((gv) => gv.group))];
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((group) => ({
      metadata: { name: group },
      versions: gvs
        .filter((gv) => gv.group === group)
        .map((gv) => ({ version: gv.version, resources: resourcesOf(gv).map((info) => discoveryResource(registry, info)), freshness: 'Current' })),
    })),
  };
}
