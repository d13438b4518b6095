// An in-process apiserver with the REST API on a free HTTPS port, for tests: MemoryStorage unless
// a storage is given, the fixed test certificate (test-tls.ts), one token, and a small HTTPS
// client that trusts the test CA.

import { request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { silentLogger } from '@skiff/component';
import type { Registry as MetricsRegistry } from 'prom-client';
import { startApiserver, type ApiserverConfig, type RunningApiserver } from '../../run.js';
import { MemoryStorage } from '../../storage/memory-storage.js';
import type { Storage } from '../../storage/storage.js';
import type { RestExtensions } from '../extensions.js';
import { TEST_CA_CERT, TEST_SERVER_CERT, TEST_SERVER_KEY } from './test-tls.js';

export const TEST_TOKEN = 'skiff-test-token-0123456789';

export interface RestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): Record<string, unknown>;
}

export interface RequestOptions {
  body?: string | Buffer | object;
  contentType?: string;
  accept?: string;
  /** undefined: the test token; '' sends no Authorization header. */
  token?: string;
  headers?: Record<string, string>;
}

export interface RestTestServer {
  readonly apiserver: RunningApiserver;
  readonly port: number;
  /** The directory holding the certificate, key and token file. */
  readonly dir: string;
  request(method: string, path: string, opts?: RequestOptions): Promise<RestResponse>;
  /** Starts a request and hands back the response as it arrives (watches, log streams). */
  stream(path: string, opts?: RequestOptions): Promise<IncomingMessage>;
  stop(): Promise<void>;
}

export interface RestTestServerOptions {
  storage?: Storage;
  extensions?: RestExtensions;
  config?: Partial<ApiserverConfig>;
  metricsRegistry?: MetricsRegistry;
}

export async function startRestTestServer(opts: RestTestServerOptions = {}): Promise<RestTestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'skiff-rest-'));
  const files = { tlsCertFile: path.join(dir, 'apiserver.crt'), tlsPrivateKeyFile: path.join(dir, 'apiserver.key'), tokenAuthFile: path.join(dir, 'tokens.csv') };
  await writeFile(files.tlsCertFile, TEST_SERVER_CERT);
  await writeFile(files.tlsPrivateKeyFile, TEST_SERVER_KEY);
  await writeFile(files.tokenAuthFile, `${TEST_TOKEN},admin,admin-uid,"system:masters"\n`);
  const apiserver = await startApiserver(
    { etcdServers: [], bindAddress: '127.0.0.1', port: 0, httpPort: 0, securePort: 0, ...files, ...opts.config },
    {
      // Real etcd when the config names it, else MemoryStorage.
      ...(opts.storage ? { storage: opts.storage } : opts.config?.etcdServers?.length ? {} : { storage: new MemoryStorage() }),
      log: silentLogger(),
      ...(opts.extensions ? { restExtensions: opts.extensions } : {}),
      ...(opts.metricsRegistry ? { metricsRegistry: opts.metricsRegistry } : {}),
    },
  );
  const port = apiserver.securePort;
  if (port === undefined) throw new Error('the REST API did not start');

  const start = (method: string, p: string, o: RequestOptions): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const body = o.body === undefined ? undefined : typeof o.body === 'string' || Buffer.isBuffer(o.body) ? o.body : JSON.stringify(o.body);
      const token = o.token ?? TEST_TOKEN;
      const headers: Record<string, string> = {
        ...(o.accept ? { Accept: o.accept } : {}),
        ...(o.contentType ? { 'Content-Type': o.contentType } : body !== undefined && typeof o.body === 'object' && !Buffer.isBuffer(o.body) ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        // Node's client sends DELETE bodies unframed without a length.
        ...(body !== undefined ? { 'Content-Length': String(Buffer.byteLength(body)) } : {}),
        ...o.headers,
      };
      const req = httpsRequest({ host: '127.0.0.1', port, method, path: p, ca: TEST_CA_CERT, headers }, resolve);
      req.on('error', reject);
      req.end(body);
    });

  return {
    apiserver,
    port,
    dir,
    async request(method, p, o = {}) {
      const res = await start(method, p, o);
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      return { status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
    },
    stream: (p, o = {}) => start('GET', p, o),
    async stop() {
      await apiserver.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
