// Objects and HTTP helpers for the ingress controller's tests: Services, EndpointSlices and
// Ingresses pointing at local ports, a small HTTP client that sets any Host header, and stand-in
// backends on 127.0.0.1.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LABEL_ENDPOINTSLICE_MANAGED_BY, LABEL_SERVICE_NAME, type EndpointSlice, type HTTPIngressPath, type Ingress, type IngressRule, type PathType, type Service } from '@skiff/api';

export function service(name: string, ports: { name?: string; port: number }[], namespace = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: ports.map((p) => ({ ...p, protocol: 'TCP' as const })) } };
}

/** One slice for a Service: `endpoints` are `ip:port` (all ports alike) or `{ip, ready}` pairs. */
export function endpointSlice(svc: string, portName: string | undefined, port: number, addresses: (string | { ip: string; ready: boolean })[], namespace = 'default', name = `${svc}-abc`): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { [LABEL_SERVICE_NAME]: svc, [LABEL_ENDPOINTSLICE_MANAGED_BY]: 'test' } },
    addressType: 'IPv4',
    ports: [{ ...(portName !== undefined && { name: portName }), port, protocol: 'TCP' }],
    endpoints: addresses.map((a) => (typeof a === 'string' ? { addresses: [a], conditions: { ready: true } } : { addresses: [a.ip], conditions: { ready: a.ready } })),
  };
}

export function ingressPath(path: string, pathType: PathType, svc: string, port: number | string): HTTPIngressPath {
  return { path, pathType, backend: { service: { name: svc, port: typeof port === 'number' ? { number: port } : { name: port } } } };
}

export function ingress(name: string, spec: Ingress['spec'], opts: { namespace?: string; annotations?: Record<string, string> } = {}): Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace: opts.namespace ?? 'default', ...(opts.annotations && { annotations: opts.annotations }) },
    spec,
  };
}

export const rule = (host: string | undefined, ...paths: HTTPIngressPath[]): IngressRule => ({ ...(host !== undefined && { host }), http: { paths } });

export interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** One HTTP request to 127.0.0.1:port with the given Host header. */
export function request(port: number, path: string, opts: { host?: string; method?: string; body?: string; agent?: http.Agent; headers?: http.OutgoingHttpHeaders } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent: opts.agent ?? false, headers: { ...(opts.host !== undefined && { host: opts.host }), ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Polls until `check` passes (it throws or returns false until then), failing after the deadline. */
export async function eventually<T>(check: () => Promise<T | false>, deadlineMs = 5000): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== false) return v;
      last = new Error('condition not met');
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw last;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Backend {
  port: number;
  /** Requests seen: method, url and headers. */
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/** A stand-in endpoint (on 127.0.0.1 by default): answers `<name> <method> <url>` and echoes request bodies after a newline. */
export async function startBackend(name: string, host = '127.0.0.1'): Promise<Backend> {
  const seen: Backend['seen'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('x-backend', name);
      res.end(`${name} ${req.method ?? ''} ${req.url ?? ''}${body ? `\n${body}` : ''}`);
    });
  });
  server.on('upgrade', (req, socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${String(req.headers.upgrade)}\r\n\r\n`);
    socket.on('data', (d: Buffer) => socket.write(`${name}:${d.toString()}`));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
