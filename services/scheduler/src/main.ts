#!/usr/bin/env node
// skiff scheduler: parses flags, runs the component until SIGTERM/SIGINT.

import { createLogger, intFlag, parseFlags, runMain } from '@skiff/component';
import { run } from './run.js';

/** `--leader-elect` alone means true; `--leader-elect=false` turns it off (as kube-scheduler). */
function normalize(argv: string[]): string[] {
  return argv.map((a) => (a === '--leader-elect' ? '--leader-elect=true' : a));
}

const flags = parseFlags(
  {
    apiserver: { type: 'string' },
    'bind-address': { type: 'string' },
    'http-port': { type: 'string' },
    'leader-elect': { type: 'string' },
  },
  normalize(process.argv.slice(2)),
);

const leaderElect = String(flags['leader-elect'] ?? 'true');
if (leaderElect !== 'true' && leaderElect !== 'false') {
  process.stderr.write(`error: --leader-elect must be true or false, got "${leaderElect}"\n`);
  process.exit(2);
}

const log = createLogger('scheduler');
runMain(log, (signal) =>
  run(
    signal,
    {
      apiserver: (flags['apiserver'] as string | undefined) ?? '127.0.0.1:6444',
      bindAddress: (flags['bind-address'] as string | undefined) ?? '127.0.0.1',
      httpPort: intFlag('http-port', flags['http-port'] as string | undefined, 10259),
      leaderElect: leaderElect === 'true',
    },
    { log },
  ),
);
