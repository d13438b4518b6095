// The Kubernetes REST API over HTTPS (node:https) on --secure-port, over the same Registry as the
// gRPC ResourcesService: bearer tokens from --token-auth-file (401 Status without a valid one;
// /version and the health checks are public, as Kubernetes' system:public-info-viewer), /version,
// /healthz /livez /readyz, discovery, resource paths (resource-handlers.ts), and the extension
// seams of extensions.ts. Every failure is a Status; the server keeps serving after each.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { ApiserverMetrics } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import { serverVersion } from '../server/version.js';
import type { TokenAuthenticator, UserInfo } from './auth.js';
import { aggregatedDiscovery, apiGroupList, apiGroupOf, apiResourceList, apiVersions } from './discovery.js';
import type { RestExtensions } from './extensions.js';
import { AGGREGATED_DISCOVERY_TYPE, wantsAggregatedDiscovery } from './negotiation.js';
import { parsePath } from './paths.js';
import { handleResource, type RequestContext } from './resource-handlers.js';
import { HttpError, methodNotAllowed, notFoundPath, statusOf, unauthorized } from './status.js';
import { findSubresource } from './subresources.js';

export interface RestServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM serving certificate (chain) and key. */
  cert: string | Buffer;
  key: string | Buffer;
  authenticator: TokenAuthenticator;
  registry: Registry;
  metrics: ApiserverMetrics;
  log: Logger;
  extensions?: RestExtensions;
  /** Readiness checks by name: a reason when not ready (the same as /readyz on the observability port). */
  readyz?: Record<string, () => string | undefined | Promise<string | undefined>>;
}

export interface RestServer {
  readonly port: number;
  stop(): Promise<void>;
}

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);

/** `299 - "text"`, Kubernetes' Warning header value. */
function warningHeader(message: string): string {
  return `299 - ${JSON.stringify(message)}`;
}

function countLabel(verb: string, resource: string, code: number) {
  return { verb, resource, code: String(code) };
}

export async function startRestServer(opts: RestServerOptions): Promise<RestServer> {
  const { registry, metrics, log } = opts;
  const ext = opts.extensions ?? {};
  const serverAddress = (): string => `${opts.host}:${port}`;

  const health = async (res: ServerResponse, checks: Record<string, () => string | undefined | Promise<string | undefined>>, verbose: boolean): Promise<void> => {
    const lines: string[] = [];
    let failed = false;
    for (const [name, check] of Object.entries(checks)) {
      const why = await check();
      if (why !== undefined) failed = true;
      lines.push(why === undefined ? `[+]${name} ok` : `[-]${name} failed: ${why}`);
    }
    const body = verbose || failed ? `${lines.join('\n')}\n${failed ? 'check failed' : 'ok'}\n` : 'ok';
    res.writeHead(failed ? 500 : 200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const warnings: string[] = [];
    const ctx: RequestContext = {
      req,
      res,
      query: url.searchParams,
      user: { name: 'system:anonymous', uid: '', groups: ['system:unauthenticated'] },
      registry,
      metrics,
      ext,
      log,
      warnings,
      verb: req.method ?? 'GET',
      send: (code, body) => {
        const text = JSON.stringify(body);
        const headers: Record<string, string | string[]> = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' };
        if (warnings.length > 0) headers['Warning'] = warnings.map(warningHeader);
        res.writeHead(code, headers);
        res.end(text);
      },
    };
    let resource = '';
    try {
      const user: UserInfo | undefined = opts.authenticator.authenticate(req);
      if (user) ctx.user = user;
      else if (req.headers.authorization !== undefined || !PUBLIC_PATHS.has(path)) throw unauthorized();
      const method = req.method ?? 'GET';
      if (path === '/version') {
        if (method !== 'GET') throw methodNotAllowed(method, path);
        return ctx.send(200, serverVersion());
      }
      if (path === '/healthz' || path === '/livez') return health(res, { ping: () => undefined }, url.searchParams.has('verbose'));
      if (path === '/readyz') return health(res, { ping: () => undefined, ...opts.readyz }, url.searchParams.has('verbose'));
      if (path === '/openapi' || path.startsWith('/openapi/')) {
        if (ext.openapi && (await ext.openapi(req, res, path))) return;
        throw notFoundPath();
      }
      const route = parsePath(path);
      if (!route) throw notFoundPath();
      if (route.kind !== 'resource') {
        if (method !== 'GET') throw methodNotAllowed(method, path);
        if ((route.kind === 'api' || route.kind === 'apis') && wantsAggregatedDiscovery(req)) {
          const body = JSON.stringify(aggregatedDiscovery(registry, route.kind === 'api'));
          res.writeHead(200, { 'Content-Type': AGGREGATED_DISCOVERY_TYPE, Vary: 'Accept', 'Cache-Control': 'no-cache, private' });
          res.end(body);
          return;
        }
        switch (route.kind) {
          case 'api':
            return ctx.send(200, apiVersions(serverAddress()));
          case 'apis':
            return ctx.send(200, apiGroupList());
          case 'group':
            return ctx.send(200, apiGroupOf(route.group));
          case 'groupVersion':
            return ctx.send(200, apiResourceList(registry, route.group, route.version));
        }
      }
      resource = route.info.resource;
      await handleResource(ctx, route);
    } catch (e) {
      const status = statusOf(e);
      if (!(e instanceof ApiError) && !(e instanceof HttpError)) log.error({ err: e, method: req.method, url: req.url }, 'request failed');
      if (res.headersSent) {
        res.destroy();
      } else {
        if (status.code === 413) res.setHeader('Connection', 'close');
        ctx.send(status.code, status);
      }
    } finally {
      const code = res.statusCode;
      metrics.requestTotal.inc(countLabel(ctx.verb, resource, code));
      if (ctx.verb !== 'WATCH' && ctx.verb !== 'CONNECT') {
        metrics.requestDuration.observe({ verb: ctx.verb, resource }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    }
  };

  /** exec / attach / portforward upgrades: authenticated, routed, then handed to the streams extension. */
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const refuse = (e: unknown): void => {
      const status = statusOf(e);
      const body = JSON.stringify(status);
      socket.end(`HTTP/1.1 ${status.code} ${status.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      metrics.requestTotal.inc(countLabel('CONNECT', 'pods', status.code));
    };
    socket.on('error', () => undefined);
    try {
      const user = opts.authenticator.authenticate(req);
      if (!user) throw unauthorized();
      const url = new URL(req.url ?? '/', 'https://apiserver');
      const route = parsePath(url.pathname);
      if (!route) throw notFoundPath();
      if (route.kind !== 'resource' || route.subresource === '') throw new ApiError('BadRequest', `${url.pathname} cannot be upgraded`);
      const sub = findSubresource(registry.store(route.info.resource).strategy, route.subresource);
      if (sub?.handling !== 'upgrade') throw new ApiError('BadRequest', `${route.info.resource}/${route.subresource} cannot be upgraded`);
      if (!ext.upgrade) throw new HttpError(501, 'NotImplemented', `${route.info.resource}/${route.subresource} streams are not served yet`);
      metrics.requestTotal.inc(countLabel('CONNECT', route.info.resource, 101));
      ext.upgrade.upgrade(req, socket, head, { registry, log, user, info: route.info, namespace: route.namespace, name: route.name, subresource: route.subresource, query: url.searchParams });
    } catch (e) {
      refuse(e);
    }
  };

  const server: Server = createServer({ cert: opts.cert, key: opts.key }, (req, res) => {
    void handle(req, res);
  });
  server.on('upgrade', upgrade);
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    log.debug({ err: err.message }, 'client error');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        ext.upgrade?.close?.();
      }),
  };
}
