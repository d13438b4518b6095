#!/usr/bin/env node
// skiff controller-manager: parses flags, runs the component until SIGTERM/SIGINT.

import { createLogger, parseFlags, runMain } from '@skiff/component';
import { configFromFlags, FLAG_SPEC, FlagError, normalizeBoolFlags } from './flags.js';
import { run, type ControllerManagerConfig } from './run.js';

const flags = parseFlags({ ...FLAG_SPEC }, normalizeBoolFlags(process.argv.slice(2), ['leader-elect', 'allocate-node-cidrs']));
let config: ControllerManagerConfig;
try {
  config = configFromFlags(flags);
} catch (e) {
  if (!(e instanceof FlagError)) throw e;
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(2);
}

const log = createLogger('controller-manager');
runMain(log, (signal) => run(signal, config, { log }));
