// The network actions probes and lifecycle hooks share (Kubernetes' pkg/probe/http and
// pkg/probe/tcp): an HTTP GET that succeeds on 200–399, a TCP connect, and the port a handler
// names (a number, or the name of one of the container's ports). Timeouts run on an injected
// clock. Failure texts read like Kubernetes' (Go's) so events look familiar:
// `HTTP probe failed with statuscode: 500`, `Get "http://10.244.1.5:8080/healthz": dial tcp
// 10.244.1.5:8080: connect: connection refused`.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container } from '@skiff/api';
import type { Clock } from '@skiff/machinery';

export interface Outcome {
  result: 'success' | 'failure';
  /** The body (success) or why it failed. */
  output: string;
  /** The HTTP status code, when there was a response. */
  statusCode?: number;
}

/** Kubernetes reads at most 10 KiB of a probe's response. */
const MAX_BODY_BYTES = 10 * 1024;

/** The port number a handler means: a number, a named port of the container, or digits. */
export function resolvePort(port: number | string, container: Readonly<Container>): number {
  let n: number;
  if (typeof port === 'number') n = port;
  else {
    const named = container.ports?.find((p) => p.name === port);
    if (named) n = named.containerPort;
    else if (/^\d+$/.test(port)) n = Number(port);
    else throw new Error(`port "${port}" not found in container ${container.name}`);
  }
  if (!Number.isInteger(n) || n <= 0 || n >= 65536) throw new Error(`invalid port number: ${n}`);
  return n;
}

export function handlerUrl(scheme: string | undefined, host: string, port: number, path: string | undefined): string {
  const h = host.includes(':') ? `[${host}]` : host;
  const p = path === undefined || path === '' ? '/' : path.startsWith('/') ? path : `/${path}`;
  return `${(scheme ?? 'HTTP').toLowerCase()}://${h}:${port}${p}`;
}

/** Go's wording for a failed dial. */
function dialError(e: NodeJS.ErrnoException, addr: string): string {
  switch (e.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${addr}: connect: network is unreachable`;
    case 'ECONNRESET':
      return `read tcp ${addr}: read: connection reset by peer`;
    default:
      return e.message;
  }
}

export interface HttpGetOptions {
  headers?: readonly { name: string; value: string }[];
  timeoutMs: number;
  clock: Clock;
  /** `kube-probe/1.32` for probes, `kube-lifecycle/1.32` for hooks. */
  userAgent: string;
}

/** GET url: 200–399 succeeds (redirects are not followed). */
export function httpGet(url: string, o: HttpGetOptions): Promise<Outcome> {
  const target = new URL(url);
  const addr = `${target.hostname.replace(/^\[|\]$/g, '')}:${target.port}`;
  const headers: Record<string, string | string[]> = { 'User-Agent': o.userAgent, Accept: '*/*', Connection: 'close' };
  // The spec's headers replace the defaults of the same name; a name given twice sends both.
  const custom = new Map<string, { name: string; values: string[] }>();
  for (const h of o.headers ?? []) {
    const key = h.name.toLowerCase();
    const entry = custom.get(key) ?? { name: h.name, values: [] };
    entry.values.push(h.value);
    custom.set(key, entry);
  }
  for (const [key, { name, values }] of custom) {
    for (const k of Object.keys(headers)) if (k.toLowerCase() === key) delete headers[k];
    headers[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  const get = target.protocol === 'https:' ? https.get : http.get;
  const timedOut: Outcome = { result: 'failure', output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` };
  return settleOnce(o, timedOut, (finish) => {
    const req = get(url, { headers, agent: false, rejectUnauthorized: false }, (res) => {
      const code = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void => {
        const body = Buffer.concat(chunks).toString('utf8');
        const ok = code >= 200 && code < 400;
        finish({ result: ok ? 'success' : 'failure', output: ok ? body : `HTTP probe failed with statuscode: ${code}`, statusCode: code });
      };
      res.on('data', (b: Buffer) => {
        chunks.push(b.subarray(0, Math.max(0, MAX_BODY_BYTES - size)));
        size += b.length;
        if (size >= MAX_BODY_BYTES) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ result: 'failure', output: `Get "${url}": ${dialError(e, addr)}` }));
    return () => req.destroy();
  });
}

/** Opens (and closes) a TCP connection. */
export function tcpConnect(host: string, port: number, o: { timeoutMs: number; clock: Clock }): Promise<Outcome> {
  const addr = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return settleOnce(o, { result: 'failure', output: `dial tcp ${addr}: i/o timeout` }, (finish) => {
    const socket = net.connect({ host, port }, () => finish({ result: 'success', output: '' }));
    socket.on('error', (e: NodeJS.ErrnoException) => finish({ result: 'failure', output: dialError(e, addr) }));
    return () => socket.destroy();
  });
}

/** Resolves with the first outcome `start` reports, or `timedOut` after timeoutMs on the clock;
 *  then releases what `start` opened. */
function settleOnce(o: { timeoutMs: number; clock: Clock }, timedOut: Outcome, start: (finish: (r: Outcome) => void) => () => void): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    let release: (() => void) | undefined;
    const finish = (r: Outcome): void => {
      if (settled) return;
      settled = true;
      o.clock.clearTimeout(timer);
      release?.();
      resolve(r);
    };
    const timer = o.clock.setTimeout(() => finish(timedOut), o.timeoutMs);
    release = start(finish);
    if (settled) release();
  });
}
