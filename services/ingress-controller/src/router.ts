// The routing table: every served Ingress merged into one table of "servers" (one per host, like
// nginx server blocks, plus the catch-all for rules without a host) each with its "locations"
// (paths), and match(host, path) → the backend or nothing. Pure: built from plain Ingress objects.
//
// Rules (Kubernetes docs, concepts/services-networking/ingress: #examples, #multiple-matches,
// #hostname-wildcards; the IngressRule.host and HTTPIngressPath API docs; ingress-nginx
// internal/ingress/controller/controller.go createServers/getBackendServers for the merge):
// - Host: an exact host beats a wildcard; `*.foo.com` matches exactly one more label (`bar.foo.com`,
//   not `foo.com` nor `baz.bar.foo.com`); a request whose host has no server goes to the catch-all
//   (rules without a host). A host that has a server is answered by that server only: its paths,
//   then its Ingress's defaultBackend, else 404 (nginx does not fall back to another server block).
// - Paths: Exact is string equality; Prefix is element-wise on `/` with trailing slashes ignored
//   (`/foo` matches `/foo`, `/foo/`, `/foo/bar`, not `/foobar`; `/` matches everything);
//   ImplementationSpecific is treated as Prefix (an empty path as `/`). The longest path wins; on a
//   tie Exact beats Prefix; then the older Ingress (creationTimestamp, then namespace/name) wins,
//   as ingress-nginx keeps the first location it configured.
// - defaultBackend: per server, the defaultBackend of the first Ingress with one among those that
//   gave the host rules; for the catch-all, an Ingress with a defaultBackend and no rules (nginx's
//   "catch all" special case), else the first with host-less rules and a defaultBackend.
// - Backends other than a Service (`resource`) are skipped, as ingress-nginx does.

import type { HTTPIngressPath, Ingress, IngressBackend, PathType, ServiceBackendPort } from '@skiff/api';

export interface ServiceBackend {
  namespace: string;
  name: string;
  port: ServiceBackendPort;
}

/** What a request was routed to. */
export interface Route {
  /** The Ingress that defined the route (`namespace/name` are the metric labels). */
  ingress: { namespace: string; name: string };
  backend: ServiceBackend;
  /** The rule's host ('' for any host, `*.foo.com` for a wildcard). */
  host: string;
  /** The rule's path; '' when the route is a defaultBackend. */
  path: string;
  pathType: PathType | 'Default';
}

/** Two Ingresses claiming the same host, path and type: the older one keeps it. */
export interface RouteConflict {
  host: string;
  path: string;
  pathType: PathType;
  winner: { namespace: string; name: string };
  loser: { namespace: string; name: string };
}

interface Location {
  /** Exact: the path as written; Prefix: without trailing slashes ('' for `/`). */
  key: string;
  exact: boolean;
  route: Route;
}

interface Server {
  locations: Location[];
  fallback?: Route | undefined;
}

function pathOrder(a: Location, b: Location): number {
  if (a.key.length !== b.key.length) return b.key.length - a.key.length;
  if (a.exact !== b.exact) return a.exact ? -1 : 1;
  return 0; // stable sort keeps Ingress order
}

function locationMatches(loc: Location, path: string): boolean {
  if (loc.exact) return path === loc.key;
  return loc.key === '' || path === loc.key || path.startsWith(`${loc.key}/`);
}

export class RoutingTable {
  constructor(
    private readonly exact: ReadonlyMap<string, Server>,
    /** Wildcard servers by the suffix after `*.`. */
    private readonly wildcard: ReadonlyMap<string, Server>,
    private readonly catchAll: Server,
    readonly conflicts: readonly RouteConflict[],
  ) {}

  /**
   * The route for a normalized host (see normalizeHost) and path (see normalizePath), or undefined
   * (the proxy answers 404).
   */
  match(host: string, path: string): Route | undefined {
    const server = this.serverFor(host);
    for (const loc of server.locations) if (locationMatches(loc, path)) return loc.route;
    return server.fallback;
  }

  private serverFor(host: string): Server {
    if (host !== '') {
      const exact = this.exact.get(host);
      if (exact) return exact;
      const dot = host.indexOf('.');
      if (dot > 0) {
        const wild = this.wildcard.get(host.slice(dot + 1));
        if (wild) return wild;
      }
    }
    return this.catchAll;
  }
}

function serviceBackend(namespace: string, b: IngressBackend | undefined): ServiceBackend | undefined {
  const svc = b?.service;
  if (!svc?.name) return undefined;
  return { namespace, name: svc.name, port: svc.port ?? {} };
}

function creationOrder(a: Readonly<Ingress>, b: Readonly<Ingress>): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name ?? ''}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** The table for the Ingresses this controller serves (class filtering happens before). */
export function buildRoutingTable(ingresses: readonly Readonly<Ingress>[]): RoutingTable {
  const exact = new Map<string, Server>();
  const wildcard = new Map<string, Server>();
  const catchAll: Server = { locations: [] };
  const claimed = new Map<string, { namespace: string; name: string }>();
  const conflicts: RouteConflict[] = [];
  let catchAllFromRuleless: Route | undefined;

  const serverOf = (host: string): Server => {
    if (host === '') return catchAll;
    const [map, key] = host.startsWith('*.') ? [wildcard, host.slice(2)] : [exact, host];
    let server = map.get(key);
    if (!server) map.set(key, (server = { locations: [] }));
    return server;
  };

  for (const ing of [...ingresses].sort(creationOrder)) {
    const namespace = ing.metadata.namespace ?? 'default';
    const ingress = { namespace, name: ing.metadata.name ?? '' };
    const defaultBackend = serviceBackend(namespace, ing.spec?.defaultBackend);
    const defaultRoute = (host: string): Route | undefined =>
      defaultBackend && { ingress, backend: defaultBackend, host, path: '', pathType: 'Default' };
    const rules = ing.spec?.rules ?? [];
    if (rules.length === 0) {
      catchAllFromRuleless ??= defaultRoute('');
      continue;
    }
    for (const rule of rules) {
      const host = (rule.host ?? '').toLowerCase();
      const server = serverOf(host);
      server.fallback ??= defaultRoute(host);
      for (const p of rule.http?.paths ?? []) addPath(server, host, p, ingress, namespace, claimed, conflicts);
    }
  }
  if (catchAllFromRuleless) catchAll.fallback = catchAllFromRuleless;
  for (const server of [catchAll, ...exact.values(), ...wildcard.values()]) server.locations.sort(pathOrder);
  return new RoutingTable(exact, wildcard, catchAll, conflicts);
}

function addPath(
  server: Server,
  host: string,
  p: Readonly<HTTPIngressPath>,
  ingress: { namespace: string; name: string },
  namespace: string,
  claimed: Map<string, { namespace: string; name: string }>,
  conflicts: RouteConflict[],
): void {
  const backend = serviceBackend(namespace, p.backend);
  if (!backend) return;
  const pathType: PathType = p.pathType ?? 'ImplementationSpecific';
  const path = p.path || '/';
  const isExact = pathType === 'Exact';
  const key = isExact ? path : path.replace(/\/+$/, '');
  const claimKey = `${host}\u0000${isExact ? 'E' : 'P'}\u0000${key}`;
  const owner = claimed.get(claimKey);
  if (owner) {
    if (owner.namespace !== ingress.namespace || owner.name !== ingress.name) conflicts.push({ host, path, pathType, winner: owner, loser: ingress });
    return;
  }
  claimed.set(claimKey, ingress);
  server.locations.push({ key, exact: isExact, route: { ingress, backend, host, path, pathType } });
}
