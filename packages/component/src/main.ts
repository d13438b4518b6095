// What every service's main.ts shares: parse flags, run the component until SIGTERM/SIGINT, then
// let it drain and exit. The component itself is `run(signal, config)`, so tests can start it in
// one process and stop it by aborting the signal.

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Logger } from 'pino';

export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/** Parses `--flag value` / `--flag=value`; unknown flags are an error that names the flag. */
export function parseFlags(spec: FlagSpec, argv: string[] = process.argv.slice(2)): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options: spec, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
}

export function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) {
    process.stderr.write(`error: --${name} must be an integer, got "${value}"\n`);
    process.exit(2);
  }
  return n;
}

/**
 * Runs `run(signal)` and aborts the signal on SIGTERM or SIGINT. A second signal exits at once.
 * Exits 0 after a clean drain, 1 if run() throws.
 */
export function runMain(log: Logger, run: (signal: AbortSignal) => Promise<void>): void {
  const controller = new AbortController();
  let stopping = false;
  const onSignal = (sig: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal: sig }, 'stopping');
    controller.abort();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  run(controller.signal).then(
    () => {
      log.info('stopped');
      process.exit(0);
    },
    (e: unknown) => {
      log.fatal({ err: e }, 'failed');
      process.exit(1);
    },
  );
}

/** Resolves when the signal aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
