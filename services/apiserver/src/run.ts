// The apiserver as a component: the registry over etcd (or an injected Storage), the gRPC
// Resources service, and /metrics, /healthz, /readyz. `run` serves until the signal aborts;
// `startApiserver` is the same for in-process tests and returns the bound ports.

import { createLogger, newRegistry, serveObservability, type Logger } from '@skiff/component';
import { readFile } from 'node:fs/promises';
import type { Registry as MetricsRegistry } from 'prom-client';
import { EncryptingStorage } from './encryption/encrypting-storage.js';
import { resolveEncryption, rewriteStaleValues } from './encryption/setup.js';
import { InstrumentedStorage } from './instrumented-storage.js';
import { ApiserverMetrics } from './metrics.js';
import { parseServiceClusterIPRange } from './registry/allocators/cluster-ip-allocator.js';
import { parseServiceNodePortRange } from './registry/allocators/node-port-allocator.js';
import { Registry } from './registry/registry.js';
import { ResourcesService, serveGrpc } from './server/grpc-server.js';
import { TokenAuthenticator } from './rest/auth.js';
import { defaultExtensions, type RestExtensions } from './rest/extensions.js';
import { startRestServer, type RestServer } from './rest/rest-server.js';
import { EtcdStorage } from './storage/etcd-storage.js';
import type { Storage } from './storage/storage.js';

export interface ApiserverConfig {
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379']. Ignored when deps.storage is given. */
  etcdServers: string[];
  bindAddress: string;
  /** gRPC port (6444); 0 picks a free one. */
  port: number;
  /** /metrics, /healthz, /readyz port (6445); 0 picks a free one. */
  httpPort: number;
  /** BOOKMARK interval for watches that allow them (default 10 s). */
  bookmarkIntervalMs?: number;
  /** A fixed watch cache size per kind (default: Kubernetes' dynamic 100..102400 events). */
  watchCacheCapacity?: number;
  /** An EncryptionConfiguration file (--encryption-provider-config): what is encrypted at rest, with which keys. */
  encryptionProviderConfig?: string;
  /** Without a configuration file: where one with a generated key is kept (--encryption-key-dir). Neither: no encryption. */
  encryptionKeyDir?: string;
  /** Seconds new pods tolerate node.kubernetes.io/not-ready:NoExecute (--default-not-ready-toleration-seconds, 300). */
  defaultNotReadyTolerationSeconds?: number;
  /** Seconds new pods tolerate node.kubernetes.io/unreachable:NoExecute (--default-unreachable-toleration-seconds, 300). */
  defaultUnreachableTolerationSeconds?: number;
  /** The CIDR Services' ClusterIPs are allocated from (--service-cluster-ip-range, DEFAULT_SERVICE_CLUSTER_IP_RANGE). */
  serviceClusterIPRange?: string;
  /** The ports NodePort Services are allocated from (--service-node-port-range, DEFAULT_SERVICE_NODE_PORT_RANGE). */
  serviceNodePortRange?: string;
  /**
   * The Kubernetes REST API over HTTPS (--secure-port, 6443; 0 picks a free one). Served only with
   * tlsCertFile, tlsPrivateKeyFile and tokenAuthFile.
   */
  securePort?: number;
  /** PEM serving certificate (--tls-cert-file). */
  tlsCertFile?: string;
  /** PEM key of the serving certificate (--tls-private-key-file). */
  tlsPrivateKeyFile?: string;
  /** Kubernetes' static token CSV, `token,user,uid,"group1,group2"` (--token-auth-file). */
  tokenAuthFile?: string;
}

export interface ApiserverDeps {
  storage?: Storage;
  log?: Logger;
  metricsRegistry?: MetricsRegistry;
  /** The REST API's extensions (Tables, apply, protobuf, streams); default rest/extensions.ts defaultExtensions(). */
  restExtensions?: RestExtensions;
}

export interface RunningApiserver {
  readonly grpcPort: number;
  readonly httpPort: number;
  /** The HTTPS port of the Kubernetes REST API; undefined when it is not served. */
  readonly securePort: number | undefined;
  /** `host:port` of the gRPC endpoint, as ApiClient takes it. */
  readonly address: string;
  readonly registry: Registry;
  /** Stops serving: ends watches, drains calls, closes the storage it opened. */
  stop(): Promise<void>;
}

const READY_CHECK_TIMEOUT_MS = 2_000;

async function storageReachable(storage: Storage): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`etcd did not answer within ${READY_CHECK_TIMEOUT_MS} ms`), READY_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([storage.revision().then(() => undefined), timeout]);
  } catch (e) {
    return `etcd is unreachable: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** The REST API when its certificate, key and tokens are configured; refuses a partial configuration. */
async function serveRest(
  config: ApiserverConfig,
  deps: Pick<Parameters<typeof startRestServer>[0], 'registry' | 'metrics' | 'log' | 'readyz' | 'extensions'>,
): Promise<RestServer | undefined> {
  const files = { '--tls-cert-file': config.tlsCertFile, '--tls-private-key-file': config.tlsPrivateKeyFile, '--token-auth-file': config.tokenAuthFile };
  const given = Object.entries(files).filter(([, v]) => v !== undefined && v !== '');
  if (given.length === 0) return undefined;
  if (given.length < 3) {
    const missing = Object.entries(files).filter(([, v]) => v === undefined || v === '').map(([k]) => k);
    throw new Error(`the REST API needs ${Object.keys(files).join(', ')}; missing ${missing.join(', ')}`);
  }
  const [cert, key] = await Promise.all([readFile(config.tlsCertFile ?? ''), readFile(config.tlsPrivateKeyFile ?? '')]);
  return startRestServer({
    host: config.bindAddress,
    port: config.securePort ?? 6443,
    cert,
    key,
    authenticator: TokenAuthenticator.fromFile(config.tokenAuthFile ?? ''),
    ...deps,
  });
}

/** Binds the ports and starts the registry; the bootstrap namespaces are created in the background. */
async function launch(config: ApiserverConfig, deps: ApiserverDeps): Promise<{ server: RunningApiserver; bootstrapped: Promise<void> }> {
  const log = deps.log ?? createLogger('apiserver');
  // Bad ranges fail the start, before anything is opened.
  if (config.serviceClusterIPRange !== undefined) parseServiceClusterIPRange(config.serviceClusterIPRange);
  if (config.serviceNodePortRange !== undefined) parseServiceNodePortRange(config.serviceNodePortRange);
  const metricsRegistry = deps.metricsRegistry ?? newRegistry();
  const metrics = new ApiserverMetrics(metricsRegistry);
  const encryption = await resolveEncryption(config, log);
  const ownStorage = deps.storage === undefined;
  const baseStorage = deps.storage ?? new EtcdStorage({ endpoints: config.etcdServers, log: log.child({ subsystem: 'etcd' }) });
  const encrypting = encryption && new EncryptingStorage(baseStorage, encryption);
  const storage = new InstrumentedStorage(encrypting ?? baseStorage, metrics);
  const registry = new Registry(storage, {
    log,
    ...(config.bookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: config.bookmarkIntervalMs } : {}),
    ...(config.watchCacheCapacity !== undefined ? { watchCacheCapacity: config.watchCacheCapacity } : {}),
    ...(config.serviceClusterIPRange !== undefined ? { serviceClusterIPRange: config.serviceClusterIPRange } : {}),
    ...(config.serviceNodePortRange !== undefined ? { serviceNodePortRange: config.serviceNodePortRange } : {}),
    admission: {
      ...(config.defaultNotReadyTolerationSeconds !== undefined ? { defaultNotReadyTolerationSeconds: config.defaultNotReadyTolerationSeconds } : {}),
      ...(config.defaultUnreachableTolerationSeconds !== undefined ? { defaultUnreachableTolerationSeconds: config.defaultUnreachableTolerationSeconds } : {}),
    },
  });
  registry.start();
  const service = new ResourcesService({ registry, metrics, log });
  const grpcServer = await serveGrpc(config.bindAddress, config.port, service);
  const readyz = {
    etcd: () => storageReachable(baseStorage),
    bootstrap: () => (registry.isBootstrapped() ? undefined : 'bootstrap namespaces not created yet'),
  };
  const observability = await serveObservability({
    host: config.bindAddress,
    port: config.httpPort,
    registry: metricsRegistry,
    healthz: { ping: () => undefined },
    readyz,
  });
  let rest: RestServer | undefined;
  try {
    rest = await serveRest(config, { registry, metrics, log, readyz, extensions: deps.restExtensions ?? defaultExtensions() });
  } catch (e) {
    // A bad certificate, token file or taken port: close what is open before failing the start.
    await grpcServer.stop();
    await observability.close();
    await registry.stop();
    if (ownStorage) await baseStorage.close();
    throw e;
  }
  log.info({ grpcPort: grpcServer.port, httpPort: observability.port, securePort: rest?.port, etcd: ownStorage ? config.etcdServers : 'injected' }, 'apiserver serving');
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await grpcServer.stop();
      await rest?.stop();
      await registry.stop();
      await observability.close();
      if (ownStorage) await baseStorage.close();
    })());
  const host = config.bindAddress.includes(':') ? `[${config.bindAddress}]` : config.bindAddress;
  const server: RunningApiserver = {
    grpcPort: grpcServer.port,
    httpPort: observability.port,
    securePort: rest?.port,
    address: `${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${grpcServer.port}`,
    registry,
    stop,
  };
  const bootstrapped = registry.bootstrap().catch((e: unknown) => log.error({ err: e }, 'bootstrap failed'));
  // Once storage answers: values still under an older encryption key (or none) move to the current one.
  if (encrypting) void bootstrapped.then(() => rewriteStaleValues(encrypting, log));
  return { server, bootstrapped };
}

/** Starts serving; resolves once the ports are bound and the bootstrap namespaces exist. */
export async function startApiserver(config: ApiserverConfig, deps: ApiserverDeps = {}): Promise<RunningApiserver> {
  const { server, bootstrapped } = await launch(config, deps);
  await bootstrapped;
  return server;
}

/** Serves until `signal` aborts, then drains and resolves. */
export async function run(signal: AbortSignal, config: ApiserverConfig, deps: ApiserverDeps = {}): Promise<void> {
  const { server } = await launch(config, deps);
  await new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.stop();
}
