// The ingress controller component: informers on Ingresses, IngressClasses, Services and
// EndpointSlices; the IngressClass created at start if missing; the proxy listening on each bind
// address; the status syncer; /metrics, /healthz, /readyz. Resolves once the signal aborts and the
// in-flight requests have finished (or the drain timeout passed).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { EndpointSlice, Ingress, IngressClass, Service } from '@skiff/api';
import { ApiClient, type ApiInterface } from '@skiff/client';
import { createLogger, newRegistry, serveObservability, type Logger } from '@skiff/component';
import { EventRecorder, Informer, RealClock, type Clock } from '@skiff/machinery';
import type { Registry } from 'prom-client';
import { ClusterView } from './cluster-view.js';
import { CONTROLLER_NAME, ensureIngressClass, type ClassSelection } from './ingress-class.js';
import { IngressMetrics } from './metrics.js';
import { IngressProxy } from './proxy.js';
import { resolvePublishAddress } from './publish-address.js';
import { StatusSyncer } from './status-syncer.js';

export interface IngressControllerConfig {
  /** host:port of the apiserver's gRPC endpoint. */
  apiserver: string;
  /** Where the proxy listens (each address on `port`). */
  bindAddresses: string[];
  /** The proxy's port (0 picks a free one: see deps.onListening). */
  port: number;
  /** Recorded in each served Ingress's status.loadBalancer.ingress; default: see resolvePublishAddress. */
  publishAddress?: string;
  /** The IngressClass created at start (and the legacy annotation value served). */
  ingressClass: string;
  /** Mark the created IngressClass as the cluster default (Ingresses without a class are served). */
  defaultClass: boolean;
  /** Where /metrics, /healthz and /readyz listen. */
  bindAddress: string;
  httpPort: number;
  /** How long in-flight requests may take to finish at shutdown; default 10 s. */
  drainTimeoutMs?: number;
}

export interface ListeningInfo {
  /** The proxy's address:port pairs, one per bind address. */
  proxy: { address: string; port: number }[];
  httpPort: number;
  publishAddress: string;
}

export interface IngressControllerRunDeps {
  client?: ApiInterface;
  log?: Logger;
  registry?: Registry;
  clock?: Clock;
  recorder?: Pick<EventRecorder, 'record'>;
  onListening?: (info: ListeningInfo) => void;
}

function listen(server: http.Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting, lets in-flight requests finish within the timeout, then closes what is left. */
async function drain(servers: http.Server[], timeoutMs: number, closeRest: () => void): Promise<void> {
  const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
  for (const s of servers) s.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
  await Promise.race([Promise.all(closed), timeout]);
  clearTimeout(timer);
  for (const s of servers) s.closeAllConnections();
  closeRest();
  await Promise.all(closed);
}

export async function run(signal: AbortSignal, config: IngressControllerConfig, deps: IngressControllerRunDeps = {}): Promise<void> {
  const log = deps.log ?? createLogger('ingress-controller');
  const ownClient = deps.client ? undefined : new ApiClient({ server: config.apiserver });
  const client: ApiInterface = deps.client ?? (ownClient as ApiClient);
  const registry = deps.registry ?? newRegistry();
  const clock = deps.clock ?? new RealClock();
  const selection: ClassSelection = { className: config.ingressClass, controller: CONTROLLER_NAME };
  const publishAddress = resolvePublishAddress(config.publishAddress, config.bindAddresses);
  const recorder = deps.recorder ?? new EventRecorder(client, { component: 'skiff-ingress-controller', host: hostname() }, log, clock);

  const informer = <T extends Ingress | IngressClass | Service | EndpointSlice>(resource: string): Informer<T> =>
    new Informer<T>(client, resource, { log: log.child({ informer: resource }), clock });
  const view = new ClusterView(
    {
      ingresses: informer<Ingress>('ingresses'),
      ingressClasses: informer<IngressClass>('ingressclasses'),
      services: informer<Service>('services'),
      endpointSlices: informer<EndpointSlice>('endpointslices'),
    },
    selection,
  );
  view.onTable((table) => {
    for (const c of table.conflicts) {
      log.warn({ host: c.host || '*', path: c.path, pathType: c.pathType, kept: `${c.winner.namespace}/${c.winner.name}`, ignored: `${c.loser.namespace}/${c.loser.name}` }, 'two Ingresses define the same host and path: the older one is used');
    }
  });
  const metrics = new IngressMetrics(registry);
  const proxy = new IngressProxy({ ready: () => view.hasSynced(), routes: () => view.routes(), resolve: (b) => view.resolve(b), metrics, log: log.child({ component: 'proxy' }) });
  const syncer = new StatusSyncer({ view, client, recorder, publishAddress, log: log.child({ controller: 'ingress-status' }), clock });

  const servers = config.bindAddresses.map(() => {
    const server = http.createServer({ keepAlive: true }, (req, res) => proxy.handleRequest(req, res));
    // nginx's keepalive_timeout is 75 s; Node needs headersTimeout above keepAliveTimeout.
    server.keepAliveTimeout = 75_000;
    server.headersTimeout = 80_000;
    server.on('upgrade', (req, socket, head) => proxy.handleUpgrade(req, socket, head));
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    return server;
  });
  const observability = await serveObservability({
    host: config.bindAddress,
    port: config.httpPort,
    registry,
    healthz: { ping: () => undefined },
    readyz: { informers: () => (view.hasSynced() ? undefined : 'Ingress, IngressClass, Service and EndpointSlice caches not synced yet') },
  });

  const bound: { address: string; port: number }[] = [];
  try {
    for (const [i, server] of servers.entries()) {
      const addr = await listen(server, config.bindAddresses[i] ?? '0.0.0.0', config.port);
      bound.push({ address: addr.address, port: addr.port });
    }
  } catch (e) {
    for (const s of servers) s.close();
    await observability.close();
    ownClient?.close();
    throw e;
  }
  log.info({ apiserver: config.apiserver, proxy: bound, http: `${config.bindAddress}:${observability.port}`, publishAddress, ingressClass: config.ingressClass }, 'ingress controller listening');
  deps.onListening?.({ proxy: bound, httpPort: observability.port, publishAddress });

  try {
    for (const inf of Object.values(view.informers)) inf.start(signal);
    await Promise.all([ensureIngressClassUntil(signal, () => ensureIngressClass(client, selection, config.defaultClass, log), log, clock), syncer.run(signal)]);
  } finally {
    await drain(servers, config.drainTimeoutMs ?? 10_000, () => proxy.close());
    await observability.close();
    ownClient?.close();
  }
}

/** Retries creating the IngressClass while the apiserver is unreachable (1 s apart) until the signal aborts. */
async function ensureIngressClassUntil(signal: AbortSignal, fn: () => Promise<void>, log: Logger, clock: Clock): Promise<void> {
  while (!signal.aborted) {
    try {
      await fn();
      return;
    } catch (e) {
      log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not ensure the IngressClass, retrying');
      await clock.sleep(1000, signal).catch(() => undefined);
    }
  }
}
