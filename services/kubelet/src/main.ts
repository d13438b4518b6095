#!/usr/bin/env node
// skiff kubelet: parses flags, runs the node agent until SIGTERM/SIGINT. On SIGTERM it stops
// working and exits, leaving the pods' containers running.

import { createLogger, intFlag, parseFlags, runMain } from '@skiff/component';
import { DEFAULT_CONFIG, parseDurationMs, validateConfig, type KubeletConfig } from './config.js';
import { parseLabels, parseTaints } from './node/node-object.js';
import { run } from './run.js';

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

const flags = parseFlags({
  'node-name': { type: 'string' },
  apiserver: { type: 'string' },
  address: { type: 'string' },
  port: { type: 'string' },
  'http-port': { type: 'string' },
  cpu: { type: 'string' },
  memory: { type: 'string' },
  'pod-infra-image': { type: 'string' },
  'pod-cidr': { type: 'string' },
  'cluster-cidr': { type: 'string' },
  'cluster-dns': { type: 'string' },
  'cluster-domain': { type: 'string' },
  'resolv-conf': { type: 'string' },
  'node-labels': { type: 'string' },
  'register-with-taints': { type: 'string' },
  'node-status-update-frequency': { type: 'string' },
  'docker-socket': { type: 'string' },
  registry: { type: 'string' },
  'root-dir': { type: 'string' },
});
const str = (name: string): string | undefined => flags[name] as string | undefined;

let config: KubeletConfig;
try {
  const frequency = str('node-status-update-frequency');
  const frequencyMs = frequency === undefined ? DEFAULT_CONFIG.nodeStatusUpdateFrequencyMs : parseDurationMs(frequency);
  if (frequencyMs === undefined) fail(`--node-status-update-frequency must be a duration such as 10s, got "${frequency}"`);
  config = {
    ...DEFAULT_CONFIG,
    nodeName: str('node-name') ?? '',
    apiserver: str('apiserver') ?? DEFAULT_CONFIG.apiserver,
    address: str('address') ?? DEFAULT_CONFIG.address,
    port: intFlag('port', str('port'), DEFAULT_CONFIG.port),
    httpPort: intFlag('http-port', str('http-port'), DEFAULT_CONFIG.httpPort),
    podInfraImage: str('pod-infra-image') ?? DEFAULT_CONFIG.podInfraImage,
    nodeLabels: parseLabels(str('node-labels')),
    registerWithTaints: parseTaints(str('register-with-taints')),
    nodeStatusUpdateFrequencyMs: frequencyMs,
    dockerSocket: str('docker-socket') ?? DEFAULT_CONFIG.dockerSocket,
    clusterCIDR: str('cluster-cidr') ?? DEFAULT_CONFIG.clusterCIDR,
    clusterDNS: str('cluster-dns') === undefined ? DEFAULT_CONFIG.clusterDNS : (str('cluster-dns') ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    clusterDomain: str('cluster-domain') ?? DEFAULT_CONFIG.clusterDomain,
    resolvConf: str('resolv-conf') ?? DEFAULT_CONFIG.resolvConf,
  };
  const optional = { cpu: str('cpu'), memory: str('memory'), podCIDR: str('pod-cidr'), registry: str('registry'), rootDir: str('root-dir') };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (config as unknown as Record<string, string>)[k] = v;
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const problems = validateConfig(config);
if (problems.length > 0) fail(problems.join('; '));

const log = createLogger('kubelet', { node: config.nodeName });
runMain(log, (signal) => run(signal, config, { log }));
