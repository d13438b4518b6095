#!/usr/bin/env node
// skiff-dns, the cluster DNS: parses flags, runs the component until SIGTERM/SIGINT.

import { DEFAULT_CLUSTER_DOMAIN, DEFAULT_SERVICE_CLUSTER_IP_RANGE, clusterDnsIp, isIPv4 } from '@skiff/api';
import { createLogger, intFlag, parseFlags, runMain } from '@skiff/component';
import { run } from './run.js';

const flags = parseFlags({
  apiserver: { type: 'string' },
  'bind-address': { type: 'string' },
  port: { type: 'string' },
  'advertise-address': { type: 'string' },
  'cluster-domain': { type: 'string' },
  'service-cluster-ip-range': { type: 'string' },
  'http-port': { type: 'string' },
});

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

const str = (name: string): string | undefined => flags[name] as string | undefined;

const port = intFlag('port', str('port'), 53);
const httpPort = intFlag('http-port', str('http-port'), 9153);
for (const [name, value] of [['port', port], ['http-port', httpPort]] as const) {
  if (value < 0 || value > 65535) fail(`--${name} must be within 0-65535, got ${value}`);
}
const serviceClusterIpRange = str('service-cluster-ip-range') ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE;
try {
  clusterDnsIp(serviceClusterIpRange);
} catch (e) {
  fail(`--service-cluster-ip-range: ${e instanceof Error ? e.message : String(e)}`);
}
const clusterDomain = (str('cluster-domain') ?? DEFAULT_CLUSTER_DOMAIN).replace(/\.+$/, '');
if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i.test(clusterDomain)) {
  fail(`--cluster-domain must be a DNS domain such as ${DEFAULT_CLUSTER_DOMAIN}, got "${clusterDomain}"`);
}
const advertiseAddress = str('advertise-address');
if (advertiseAddress !== undefined && !isIPv4(advertiseAddress)) fail(`--advertise-address must be an IPv4 address, got "${advertiseAddress}"`);

const log = createLogger('dns');
runMain(log, (signal) =>
  run(
    signal,
    {
      apiserver: str('apiserver') ?? '127.0.0.1:6444',
      bindAddress: str('bind-address') ?? '0.0.0.0',
      port,
      ...(advertiseAddress !== undefined && { advertiseAddress }),
      clusterDomain,
      serviceClusterIpRange,
      httpPort,
    },
    { log },
  ),
);
