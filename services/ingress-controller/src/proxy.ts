// The proxy: route a request (host, path) through the routing table to a Service backend, pick a
// ready endpoint (round robin) and stream the request to it and the response back, over kept-alive
// connections on both sides. Written on node:http rather than http-proxy (unmaintained since 2020,
// and it cannot hold a request body back until the upstream connection is up, which the retry
// below needs).
//
// Answers, as ingress-nginx: 400 for a path that does not normalize, 404 when no rule and no
// defaultBackend matches, 503 when the backend Service is missing, has no such port or no ready
// endpoint, 502 when every endpoint tried failed to connect (504 when they timed out). Connection
// errors are retried on another endpoint (nginx `proxy_next_upstream error timeout`, at most
// `maxTries`, default 3 as ingress-nginx's proxy-next-upstream-tries) as long as no byte of the
// request body has been sent: the body is only piped once the upstream connection is established.
// A reset on a reused keep-alive connection before any response counts as a connection error too.

import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '@skiff/component';
import { EndpointPicker, endpointId } from './endpoint-picker.js';
import { backendPortLabel, type Endpoint, type Resolution } from './endpoints.js';
import { hasBody, requestHeaders, responseHeaders } from './headers.js';
import type { IngressMetrics, RequestLabels } from './metrics.js';
import { normalizeHost, normalizePath } from './request-target.js';
import type { Route, RoutingTable, ServiceBackend } from './router.js';

export interface ProxyOptions {
  /** False until the caches have synced: requests are answered 503 meanwhile. */
  ready?: () => boolean;
  /** The current routing table (rebuilt by the caller when Ingresses change). */
  routes: () => RoutingTable;
  resolve: (backend: ServiceBackend) => Resolution;
  metrics: IngressMetrics;
  log: Logger;
  connectTimeoutMs?: number;
  maxTries?: number;
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT', 'EADDRNOTAVAIL']);
const RESET_ERRORS = new Set(['ECONNRESET', 'EPIPE']);
/** Methods nginx passes to the next upstream even after the request was sent (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

const errorCode = (e: unknown): string => String((e as { code?: unknown } | undefined)?.code ?? '');

/** The request target in origin-form (a client talking to a proxy may send absolute-form). */
function originForm(url: string | undefined): string {
  if (!url) return '/';
  if (url.startsWith('/')) return url;
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return '/';
  }
}

function statusText(code: number): string {
  return code === 404 ? 'default backend - 404' : `${code} ${http.STATUS_CODES[code] ?? ''}`;
}

type Routed = { route: Route; endpoints: Endpoint[]; labels: RequestLabels } | { status: number; labels: RequestLabels; message?: string };

export class IngressProxy {
  private readonly picker = new EndpointPicker();
  private readonly agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo' });
  private readonly connectTimeoutMs: number;
  private readonly maxTries: number;
  /** Upgraded (WebSocket) connections: the HTTP server no longer tracks them. */
  private readonly tunnels = new Set<Duplex>();

  constructor(private readonly opts: ProxyOptions) {
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.maxTries = opts.maxTries ?? 3;
  }

  /** Closes the idle upstream connections and every upgraded connection. */
  close(): void {
    this.agent.destroy();
    for (const s of this.tunnels) s.destroy();
  }

  private route(req: http.IncomingMessage): Routed {
    const labels: RequestLabels = { ingress: '', namespace: '', service: '', status: 0, method: req.method ?? '' };
    if (this.opts.ready && !this.opts.ready()) return { status: 503, labels, message: 'caches not synced yet' };
    const path = normalizePath(req.url);
    if (path === undefined) return { status: 400, labels };
    const route = this.opts.routes().match(normalizeHost(req.headers.host), path);
    if (!route) return { status: 404, labels };
    labels.ingress = route.ingress.name;
    labels.namespace = route.ingress.namespace;
    labels.service = route.backend.name;
    const resolution = this.opts.resolve(route.backend);
    if ('unavailable' in resolution) return { status: 503, labels, message: resolution.message };
    return { route, endpoints: resolution.endpoints, labels };
  }

  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = process.hrtime.bigint();
    const routed = this.route(req);
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : 499; // 499: the client went away (nginx's code)
      this.opts.metrics.observe({ ...routed.labels, status }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    if ('status' in routed) {
      if (routed.message) this.opts.log.debug({ host: req.headers.host, url: req.url }, routed.message);
      reply(res, routed.status);
      return;
    }
    this.forward(req, res, routed.route, routed.endpoints);
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse, route: Route, endpoints: readonly Endpoint[]): void {
    const { namespace, name } = route.backend;
    const backendKey = `${namespace}/${name}:${backendPortLabel(route.backend.port)}`;
    const headers = requestHeaders(req);
    const withBody = hasBody(req.headers);
    const path = originForm(req.url);
    const tried = new Set<string>();
    const tries = Math.min(this.maxTries, endpoints.length);
    let bodySent = false;
    let current: http.ClientRequest | undefined;
    res.once('close', () => {
      if (!res.writableFinished) current?.destroy();
    });

    const attempt = (): void => {
      const ep = this.picker.pick(backendKey, endpoints, tried);
      if (!ep) return reply(res, 502);
      tried.add(endpointId(ep));
      const up = http.request({ host: ep.ip, port: ep.port, method: req.method, path, headers, agent: this.agent });
      current = up;
      let connected = false;
      let timer: NodeJS.Timeout | undefined;
      up.once('socket', (socket) => {
        const onConnect = (): void => {
          connected = true;
          clearTimeout(timer);
          if (!withBody) up.end();
          else {
            bodySent = true;
            req.pipe(up);
          }
        };
        if (!socket.connecting) return onConnect(); // a kept-alive connection
        timer = setTimeout(() => up.destroy(Object.assign(new Error(`connect to ${endpointId(ep)} timed out`), { code: 'ETIMEDOUT' })), this.connectTimeoutMs);
        socket.once('connect', onConnect);
      });
      up.once('response', (upstream) => {
        if (res.destroyed) {
          upstream.destroy();
          return;
        }
        res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, responseHeaders(upstream.headers));
        upstream.pipe(res);
        upstream.once('error', () => res.destroy());
        upstream.once('aborted', () => res.destroy());
      });
      up.once('error', (err) => {
        clearTimeout(timer);
        if (withBody) req.unpipe(up);
        if (res.headersSent || res.destroyed) {
          res.destroy();
          return;
        }
        const code = errorCode(err);
        const retriable = !connected || CONNECTION_ERRORS.has(code) || IDEMPOTENT.has(req.method ?? '') || (up.reusedSocket && RESET_ERRORS.has(code));
        this.opts.metrics.upstreamError(namespace, name, code || 'error');
        this.opts.log.warn({ endpoint: endpointId(ep), backend: backendKey, err: err.message, attempt: tried.size }, 'upstream connection failed');
        if (retriable && !bodySent && tried.size < tries) attempt();
        else reply(res, code === 'ETIMEDOUT' ? 504 : 502);
      });
    };
    attempt();
  }

  /** Upgrade requests (WebSocket): the same routing, then the two connections joined. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const started = process.hrtime.bigint();
    const routed = this.route(req);
    const done = (status: number): void => this.opts.metrics.observe({ ...routed.labels, status }, Number(process.hrtime.bigint() - started) / 1e9);
    socket.on('error', () => socket.destroy());
    if ('status' in routed) {
      rawReply(socket, routed.status);
      return done(routed.status);
    }
    const { route, endpoints } = routed;
    const ep = this.picker.pick(`${route.backend.namespace}/${route.backend.name}:${backendPortLabel(route.backend.port)}`, endpoints);
    if (!ep) {
      rawReply(socket, 502);
      return done(502);
    }
    const up = http.request({ host: ep.ip, port: ep.port, method: req.method, path: originForm(req.url), headers: requestHeaders(req, true), agent: false });
    up.once('upgrade', (upstream, upSocket, upHead) => {
      const raw = upstream.rawHeaders;
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i] ?? '', raw[i + 1] ?? '']);
      socket.write(statusBlock(101, upstream.statusMessage, pairs));
      if (upHead.length > 0) socket.write(upHead);
      if (head.length > 0) upSocket.write(head);
      this.join(socket, upSocket);
      done(101);
    });
    up.once('response', (upstream) => {
      // Not upgraded: relay the answer (its body already de-chunked by Node) and close.
      const headers = responseHeaders(upstream.headers);
      socket.write(statusBlock(upstream.statusCode ?? 502, upstream.statusMessage, Object.entries({ ...headers, connection: 'close' })));
      upstream.pipe(socket);
      done(upstream.statusCode ?? 502);
    });
    up.once('error', () => {
      rawReply(socket, 502);
      done(502);
    });
    up.end();
  }

  private join(client: Duplex, upstream: Duplex): void {
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.tunnels.add(a);
      a.on('error', () => b.destroy());
      a.once('close', () => {
        this.tunnels.delete(a);
        b.destroy();
      });
      // An idle tunnel is closed after an hour (ingress-nginx asks for proxy-read-timeout 3600 for WebSockets).
      if (a instanceof net.Socket) a.setTimeout(TUNNEL_IDLE_MS, () => a.destroy());
    }
    upstream.pipe(client).pipe(upstream);
  }
}

const TUNNEL_IDLE_MS = 3_600_000;

function reply(res: http.ServerResponse, status: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${statusText(status)}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
}

function rawReply(socket: Duplex, status: number): void {
  const body = `${statusText(status)}\n`;
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** A status line and headers as raw HTTP/1.1, for a socket taken over by an upgrade. */
function statusBlock(status: number, message: string | undefined, headers: [string, unknown][]): string {
  const lines = [`HTTP/1.1 ${status} ${message ?? http.STATUS_CODES[status] ?? ''}`];
  for (const [name, value] of headers) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${String(v)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}
