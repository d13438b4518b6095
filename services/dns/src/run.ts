// The cluster DNS component: informers on Services and EndpointSlices feed a RecordStore, a UDP+TCP
// server answers from it, the kube-dns Service and Endpoints are created at start and repaired when
// they drift, and /metrics, /healthz, /readyz are served. Resolves once the signal aborts and
// everything has stopped (the Endpoints withdrawn first, so the ClusterIP stops sending queries here).

import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { CLUSTER_DNS_SERVICE, clusterDnsIp, objectKey, type EndpointSlice, type Endpoints, type Service } from '@skiff/api';
import { ApiClient, type ApiInterface } from '@skiff/client';
import { aborted, createLogger, newRegistry, serveObservability, type Logger } from '@skiff/component';
import { EventRecorder, Informer, RealClock, WorkQueue, runWorkers, type Clock } from '@skiff/machinery';
import type { Registry } from 'prom-client';
import { advertiseProblem, defaultAdvertiseAddress, isLocalAddress } from './advertise-address.js';
import { startDnsServer } from './dns-server.js';
import { createHandler } from './handler.js';
import { KubeDnsRegistration } from './kube-dns-registration.js';
import { DnsMetrics } from './metrics.js';
import { RecordStore } from './record-store.js';

/**
 * TTL of every record: kubeadm's CoreDNS Corefile sets `ttl 30` in its kubernetes block (the
 * plugin's own default is 5 s); the SOA minimum, so negative answers are cached as long.
 */
export const DEFAULT_TTL_SECONDS = 30;

export interface DnsConfig {
  /** host:port of the apiserver's gRPC endpoint. */
  apiserver: string;
  /** Where DNS (UDP and TCP) and the observability port listen. */
  bindAddress: string;
  /** DNS port; 0 picks a free one (see deps.onListening). */
  port: number;
  /** Written into Endpoints kube-dns; default: see defaultAdvertiseAddress. */
  advertiseAddress?: string;
  clusterDomain: string;
  /** Its 10th address is the kube-dns ClusterIP. */
  serviceClusterIpRange: string;
  /** Observability port (0 picks a free one). */
  httpPort: number;
  ttlSeconds?: number;
}

export interface DnsRunDeps {
  client?: ApiInterface;
  log?: Logger;
  registry?: Registry;
  clock?: Clock;
  recorder?: Pick<EventRecorder, 'record'>;
  onListening?: (ports: { dns: number; http: number; advertiseAddress: string }) => void;
}

const REGISTRATION_KEY = 'kube-dns';
const WITHDRAW_TIMEOUT_MS = 2_000;

export async function run(signal: AbortSignal, config: DnsConfig, deps: DnsRunDeps = {}): Promise<void> {
  const log = deps.log ?? createLogger('dns');
  const ownClient = deps.client ? undefined : new ApiClient({ server: config.apiserver });
  const client: ApiInterface = deps.client ?? (ownClient as ApiClient);
  const registry = deps.registry ?? newRegistry();
  const clock = deps.clock ?? new RealClock();
  const dnsIP = clusterDnsIp(config.serviceClusterIpRange);

  const store = new RecordStore({ domain: config.clusterDomain, ttl: config.ttlSeconds ?? DEFAULT_TTL_SECONDS, nameserverIP: dnsIP, now: () => clock.now() });
  const services = new Informer<Service>(client, 'services', { log: log.child({ informer: 'services' }), clock });
  const slices = new Informer<EndpointSlice>(client, 'endpointslices', { log: log.child({ informer: 'endpointslices' }), clock });
  const { namespace: dnsNamespace, name: dnsName } = CLUSTER_DNS_SERVICE;
  const ownEndpoints = new Informer<Endpoints>(client, 'endpoints', {
    namespace: dnsNamespace,
    fieldSelector: `metadata.name=${dnsName}`,
    log: log.child({ informer: 'endpoints' }),
    clock,
  });
  const queue = new WorkQueue({ clock, name: 'kube-dns-registration', baseDelayMs: 500, maxDelayMs: 30_000 });
  const isOurService = (obj: Readonly<Service>): boolean => objectKey(obj) === `${dnsNamespace}/${dnsName}`;

  services.on({
    add: (svc) => {
      store.setService(svc);
      if (isOurService(svc)) queue.add(REGISTRATION_KEY);
    },
    update: (_old, svc) => {
      store.setService(svc);
      if (isOurService(svc)) queue.add(REGISTRATION_KEY);
    },
    delete: (svc) => {
      store.deleteService(svc);
      if (isOurService(svc)) queue.add(REGISTRATION_KEY);
    },
  });
  slices.on({ add: (s) => store.setSlice(s), update: (_old, s) => store.setSlice(s), delete: (s) => store.deleteSlice(s) });
  ownEndpoints.on({ add: () => queue.add(REGISTRATION_KEY), update: () => queue.add(REGISTRATION_KEY), delete: () => queue.add(REGISTRATION_KEY) });
  const synced = (): boolean => services.hasSynced() && slices.hasSynced();

  // The server label names the port, known only once bound (port 0).
  let metrics: DnsMetrics | undefined;
  const handle = createHandler({ view: store, synced, log, metrics: { observe: (o) => metrics?.observe(o) } });
  const advertiseAddress = config.advertiseAddress ?? defaultAdvertiseAddress();
  const wildcard = config.bindAddress === '0.0.0.0' || config.bindAddress === '::';
  const udpReplyAddresses = wildcard && isLocalAddress(advertiseAddress) ? [advertiseAddress] : [];
  const dns = await startDnsServer({ host: config.bindAddress, port: config.port, handle, log, udpReplyAddresses }).catch((e: unknown) => {
    ownClient?.close();
    throw e;
  });
  const serverLabel = `dns://${config.bindAddress}:${dns.port}`;
  metrics = new DnsMetrics(registry, serverLabel);

  const http = await serveObservability({
    host: config.bindAddress,
    port: config.httpPort,
    registry,
    healthz: { ping: () => undefined },
    readyz: { informers: () => (synced() ? undefined : 'Service and EndpointSlice caches not synced yet') },
  }).catch(async (e: unknown) => {
    await dns.close();
    ownClient?.close();
    throw e;
  });

  const registration = new KubeDnsRegistration(
    { clusterIP: dnsIP, address: advertiseAddress, port: dns.port },
    { client, log: log.child({ controller: 'kube-dns-registration' }), recorder: deps.recorder ?? new EventRecorder(client, { component: 'skiff-dns', host: hostname() }, log, clock) },
  );
  log.info(
    { apiserver: config.apiserver, dns: serverLabel, http: `${config.bindAddress}:${http.port}`, advertiseAddress, clusterIP: dnsIP, domain: store.domain, ttl: store.ttl },
    'cluster DNS listening',
  );
  const problem = advertiseProblem(config.bindAddress, advertiseAddress);
  if (problem) log.warn({ advertiseAddress, bindAddress: config.bindAddress }, `pods may not reach this server: ${problem}`);
  deps.onListening?.({ dns: dns.port, http: http.port, advertiseAddress });

  try {
    services.start(signal);
    slices.start(signal);
    ownEndpoints.start(signal);
    queue.add(REGISTRATION_KEY);
    const workers = runWorkers({ queue, workers: 1, signal, log: log.child({ controller: 'kube-dns-registration' }), reconcile: () => registration.reconcile() });
    await aborted(signal);
    await workers;
    // Bounded: a stopping server must not hang on an apiserver that does not answer.
    await Promise.race([registration.withdraw(), delay(WITHDRAW_TIMEOUT_MS, undefined, { ref: false })]);
  } finally {
    await dns.close();
    await http.close();
    ownClient?.close();
  }
}
