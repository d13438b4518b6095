// Kubernetes' URL layout, parsed:
//   /api/v1[/watch][/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]
//   /apis/<group>/<version>[/watch][/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]
// plus the discovery roots. A namespaced resource without a namespace is the cluster-wide
// collection; `/watch/` paths are watches (a name there watches one object). Served are RESOURCES
// (what the registry stores) and the converted views over them (events-v1.ts: events.k8s.io/v1).

import { RESOURCES, type ResourceInfo } from '@skiff/api';
import { RESOURCE_VIEWS } from './events-v1.js';

export type Route =
  | { kind: 'api' }
  | { kind: 'apis' }
  | { kind: 'group'; group: string }
  | { kind: 'groupVersion'; group: string; version: string }
  | {
      kind: 'resource';
      info: ResourceInfo;
      /** '' for cluster-scoped kinds and the all-namespaces collection. */
      namespace: string;
      name: string;
      subresource: string;
      /** A `/watch/` path. */
      watchPath: boolean;
    };

/** Every served resource: RESOURCES, then the views (whose storage is the RESOURCES row of the same name). */
export const SERVED_RESOURCES: readonly ResourceInfo[] = [...RESOURCES, ...RESOURCE_VIEWS.map((v) => v.info)];

export function findServed(group: string, version: string, resource: string): ResourceInfo | undefined {
  return SERVED_RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function servedGroupVersion(group: string, version: string): boolean {
  return SERVED_RESOURCES.some((r) => r.group === group && r.version === version);
}

/** The route of a path, or undefined when nothing is served there (404). */
export function parsePath(pathname: string): Route | undefined {
  const segs = pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') {
    if (segs.length === 1) return { kind: 'api' };
    if (segs[1] !== 'v1') return undefined;
    group = '';
    version = 'v1';
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    if (segs.length === 1) return { kind: 'apis' };
    group = segs[1] ?? '';
    if (!SERVED_RESOURCES.some((r) => r.group === group && r.group !== '')) return undefined;
    if (segs.length === 2) return { kind: 'group', group };
    version = segs[2] ?? '';
    rest = segs.slice(3);
  } else return undefined;
  if (!servedGroupVersion(group, version)) return undefined;
  if (rest.length === 0) return { kind: 'groupVersion', group, version };
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  // namespaces/<ns>/<resource>... unless it is the namespaces resource itself (namespaces/<name>/status).
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== undefined && findServed(group, version, rest[2])?.namespaced) {
    namespace = rest[1] ?? '';
    rest = rest.slice(2);
  }
  const [resource, name = '', subresource = '', ...extra] = rest;
  if (resource === undefined || extra.length > 0) return undefined;
  const info = findServed(group, version, resource);
  if (!info) return undefined;
  if (namespace !== '' && !info.namespaced) return undefined;
  if (watchPath && subresource !== '') return undefined;
  return { kind: 'resource', info, namespace, name, subresource, watchPath };
}
