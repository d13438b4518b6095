#!/usr/bin/env node
// skiff kube-proxy: parses flags, then either removes everything it programmed (--cleanup, exit 0)
// or runs the component until SIGTERM/SIGINT.

import { createLogger, parseFlags, runMain } from '@skiff/component';
import { configFromFlags, FLAG_SPEC, FlagError, normalizeBoolFlags, type ParsedFlags } from './config.js';
import { cleanup, run } from './run.js';

const flags = parseFlags({ ...FLAG_SPEC }, normalizeBoolFlags(process.argv.slice(2)));
let parsed: ParsedFlags;
try {
  parsed = configFromFlags(flags);
} catch (e) {
  if (!(e instanceof FlagError)) throw e;
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(2);
}

const log = createLogger('kube-proxy');
if (parsed.cleanup) {
  cleanup(parsed.config, { log }).then(
    (report) => {
      for (const e of report.errors) log.error(e);
      log.info({ chains: report.chains, jumps: report.jumps, addresses: report.addresses }, 'cleanup done');
      process.exit(report.errors.length > 0 ? 1 : 0);
    },
    (e: unknown) => {
      log.fatal({ err: e }, 'cleanup failed');
      process.exit(1);
    },
  );
} else {
  runMain(log, (signal) => run(signal, parsed.config, { log }));
}
