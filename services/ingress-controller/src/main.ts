#!/usr/bin/env node
// skiff ingress controller: parses flags, runs the component until SIGTERM/SIGINT.

import { createLogger, intFlag, parseFlags, runMain } from '@skiff/component';
import { DEFAULT_INGRESS_CLASS } from './ingress-class.js';
import { parseBindAddresses } from './publish-address.js';
import { run } from './run.js';

/** `--default-class` alone means true; `--default-class=false` turns it off. */
function normalize(argv: string[]): string[] {
  return argv.map((a) => (a === '--default-class' ? '--default-class=true' : a));
}

const flags = parseFlags(
  {
    apiserver: { type: 'string' },
    'bind-addresses': { type: 'string' },
    port: { type: 'string' },
    'publish-address': { type: 'string' },
    'ingress-class': { type: 'string' },
    'default-class': { type: 'string' },
    'bind-address': { type: 'string' },
    'http-port': { type: 'string' },
  },
  normalize(process.argv.slice(2)),
);

const defaultClass = String(flags['default-class'] ?? 'true');
if (defaultClass !== 'true' && defaultClass !== 'false') {
  process.stderr.write(`error: --default-class must be true or false, got "${defaultClass}"\n`);
  process.exit(2);
}
const port = intFlag('port', flags['port'] as string | undefined, 80);
const httpPort = intFlag('http-port', flags['http-port'] as string | undefined, 10254);
for (const [name, value] of [['port', port], ['http-port', httpPort]] as const) {
  if (value < 0 || value > 65535) {
    process.stderr.write(`error: --${name} must be between 0 and 65535, got ${value}\n`);
    process.exit(2);
  }
}
const publishAddress = flags['publish-address'] as string | undefined;

const log = createLogger('ingress-controller');
runMain(log, (signal) =>
  run(
    signal,
    {
      apiserver: (flags['apiserver'] as string | undefined) ?? '127.0.0.1:6444',
      bindAddresses: parseBindAddresses(flags['bind-addresses'] as string | undefined),
      port,
      ...(publishAddress && { publishAddress }),
      ingressClass: (flags['ingress-class'] as string | undefined) || DEFAULT_INGRESS_CLASS,
      defaultClass: defaultClass === 'true',
      bindAddress: (flags['bind-address'] as string | undefined) ?? '127.0.0.1',
      httpPort,
    },
    { log },
  ),
);
