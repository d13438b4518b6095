// Shared plumbing of the resource commands: the context from the global flags, output streams,
// and one place that turns a thrown error into kubectl's message and exit code 1.

import { type Command, InvalidArgumentError } from 'commander';
import { CliContext, type GlobalOptions } from '../context.js';
import { formatError } from '../errors.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** `skiff get pods | head -1`: a closed stdout ends the command quietly, as it does kubectl. */
export function exitQuietlyOnBrokenPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/** Prints an error the way kubectl does (one line per message, trailing newline). */
export function reportError(io: Io, e: unknown, server: string): void {
  const msg = formatError(e, server);
  io.err(msg.endsWith('\n') ? msg : `${msg}\n`);
}

/**
 * Wraps a command's action: builds the context from the global flags, runs the action, reports a
 * thrown error and sets the exit code (the action's own result, 1 on error).
 */
export function withContext<A extends unknown[]>(
  run: (ctx: CliContext, io: Io, ...args: A) => Promise<number | void>,
): (...args: A) => Promise<void> {
  return async (...args: A): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const ctx = new CliContext(cmd.optsWithGlobals<GlobalOptions>());
    try {
      const code = await run(ctx, processIo, ...args);
      if (typeof code === 'number' && code !== 0) process.exitCode = code;
    } catch (e) {
      reportError(processIo, e, ctx.server);
      process.exitCode = 1;
    } finally {
      ctx.close();
    }
  };
}

/** Parses an integer flag value. */
export function parseIntFlag(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError('not an integer.');
  return n;
}

/** Parses `--flag=true|false` for boolean flags that accept a value (`--wait=false`). */
export function parseBoolFlag(value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new InvalidArgumentError('must be true or false.');
}

/** Collects a repeatable option's values (`-f a.yaml -f b.yaml`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The operands given before `--` (cobra's ArgsLenAtDash), or all of them when there is no `--`:
 * `create deployment NAME --image I -- CMD ARGS`.
 */
export function operandsBeforeDash(cmd: Command, operands: readonly string[]): number {
  const n = argsLenAtDash(cmd, operands);
  return n < 0 ? operands.length : n;
}

/** cobra's ArgsLenAtDash: how many operands came before `--`, or -1 when there was no `--`. */
export function argsLenAtDash(cmd: Command, operands: readonly string[]): number {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const raw = (root as Command & { rawArgs?: string[] }).rawArgs ?? [];
  const dash = raw.indexOf('--');
  if (dash < 0) return -1;
  const after = raw.length - dash - 1;
  return Math.max(0, operands.length - after);
}

/** Collects a repeatable, comma-separated option (cobra's StringSlice: `--image a,b --image c`). */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter((v) => v !== '')];
}

/**
 * Runs `act` on each target. With one target its failure is the command's; with several, each
 * failure is reported and the others still run (exit 1), as kubectl aggregates its errors.
 */
export async function forEachTarget<T>(io: Io, server: string, targets: readonly T[], act: (t: T) => Promise<void>): Promise<number> {
  let failed = false;
  for (const t of targets) {
    try {
      await act(t);
    } catch (e) {
      if (targets.length === 1) throw e;
      reportError(io, e, server);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}
