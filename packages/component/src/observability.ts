// Every Skiff service serves /metrics (Prometheus text), /healthz (the process is alive and its
// loops turn) and /readyz (it can do its job: e.g. the apiserver reaches etcd) on its own port.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** A named check; returns an error message when unhealthy, undefined when fine. */
export type Check = () => string | undefined | Promise<string | undefined>;

export interface ObservabilityOptions {
  host: string;
  port: number;
  registry: Registry;
  healthz?: Record<string, Check>;
  readyz?: Record<string, Check>;
}

export interface ObservabilityServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A metrics registry with the Node.js process metrics (process_resident_memory_bytes, ...). */
export function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

async function runChecks(checks: Record<string, Check>): Promise<{ ok: boolean; body: string }> {
  const lines: string[] = [];
  let ok = true;
  for (const [name, check] of Object.entries(checks)) {
    let problem: string | undefined;
    try {
      problem = await check();
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
    if (problem === undefined) lines.push(`[+]${name} ok`);
    else {
      ok = false;
      lines.push(`[-]${name} failed: ${problem}`);
    }
  }
  lines.push(ok ? 'ok' : 'check failed');
  return { ok, body: lines.join('\n') + '\n' };
}

export async function serveObservability(opts: ObservabilityOptions): Promise<ObservabilityServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'content-type': type }).end(body);
    };
    if (path === '/metrics') {
      opts.registry.metrics().then(
        (text) => reply(200, opts.registry.contentType, text),
        (e: unknown) => reply(500, 'text/plain', String(e)),
      );
    } else if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      const checks = path === '/readyz' ? { ...opts.healthz, ...opts.readyz } : (opts.healthz ?? {});
      void runChecks(checks).then(({ ok, body }) => reply(ok ? 200 : 503, 'text/plain', body));
    } else reply(404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
