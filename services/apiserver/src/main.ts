// skiff apiserver: `node services/apiserver/dist/main.js --etcd-servers http://127.0.0.1:2379`.

import path from 'node:path';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, DEFAULT_SERVICE_NODE_PORT_RANGE } from '@skiff/api';
import { skiffHome } from '@skiff/client';
import { createLogger, intFlag, parseFlags, runMain } from '@skiff/component';
import { run } from './run.js';

const flags = parseFlags({
  'etcd-servers': { type: 'string' },
  'bind-address': { type: 'string' },
  port: { type: 'string' },
  'http-port': { type: 'string' },
  'encryption-provider-config': { type: 'string' },
  'encryption-key-dir': { type: 'string' },
  'default-not-ready-toleration-seconds': { type: 'string' },
  'default-unreachable-toleration-seconds': { type: 'string' },
  'service-cluster-ip-range': { type: 'string' },
  'service-node-port-range': { type: 'string' },
  'secure-port': { type: 'string' },
  'tls-cert-file': { type: 'string' },
  'tls-private-key-file': { type: 'string' },
  'token-auth-file': { type: 'string' },
});

const providerConfig = flags['encryption-provider-config'] as string | undefined;
const restFiles = {
  ...(flags['tls-cert-file'] ? { tlsCertFile: String(flags['tls-cert-file']) } : {}),
  ...(flags['tls-private-key-file'] ? { tlsPrivateKeyFile: String(flags['tls-private-key-file']) } : {}),
  ...(flags['token-auth-file'] ? { tokenAuthFile: String(flags['token-auth-file']) } : {}),
};

const log = createLogger('apiserver');
const config = {
  etcdServers: String(flags['etcd-servers'] ?? 'http://127.0.0.1:2379')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
  bindAddress: String(flags['bind-address'] ?? '127.0.0.1'),
  port: intFlag('port', flags['port'] as string | undefined, 6444),
  httpPort: intFlag('http-port', flags['http-port'] as string | undefined, 6445),
  // Secrets are encrypted at rest: with the given EncryptionConfiguration, else with a key generated once in the key dir.
  ...(providerConfig ? { encryptionProviderConfig: providerConfig } : {}),
  encryptionKeyDir: String(flags['encryption-key-dir'] ?? path.join(skiffHome(), 'apiserver')),
  defaultNotReadyTolerationSeconds: intFlag('default-not-ready-toleration-seconds', flags['default-not-ready-toleration-seconds'] as string | undefined, 300),
  defaultUnreachableTolerationSeconds: intFlag('default-unreachable-toleration-seconds', flags['default-unreachable-toleration-seconds'] as string | undefined, 300),
  serviceClusterIPRange: String(flags['service-cluster-ip-range'] ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE),
  serviceNodePortRange: String(flags['service-node-port-range'] ?? DEFAULT_SERVICE_NODE_PORT_RANGE),
  // The Kubernetes REST API (HTTPS): served when the certificate, key and token file are given.
  securePort: intFlag('secure-port', flags['secure-port'] as string | undefined, 6443),
  ...restFiles,
};

runMain(log, (signal) => run(signal, config, { log }));
