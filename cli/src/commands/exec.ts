// skiff exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [ARG...]: runs a command in a
// container through the apiserver's pods/exec (which relays to the pod's kubelet), as kubectl
// exec does: output to the local stdout/stderr, the command's exit code as skiff's own, -i copies
// stdin in, -t (with -i on a terminal) makes the local terminal raw and follows its size.

import { isatty } from 'node:tty';
import { ApiError } from '@skiff/api';
import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError, isUnreachable } from '../errors.js';
import { argsLenAtDash, withContext, type Io } from './common.js';
import { execExit, parseExecArgs, runExecSession, type ExecInput, type ExecTerminal } from './exec-session.js';
import { defaultContainer, resolvePodTarget } from './pod-target.js';

export interface ExecFlags {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
}

/** What exec reaches of the local process (replaced in tests). */
export interface ExecProcess {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  stdin: ExecInput;
  stdinIsTTY: boolean;
  terminal: ExecTerminal;
  /** Stops reading stdin so the process can exit. */
  releaseStdin(): void;
  /** Runs `onSignal` on SIGTERM/SIGHUP while it is set; returns the unsubscribe. */
  onTerminate(onSignal: (signal: NodeJS.Signals) => void): () => void;
}

/** The real process (made on use: touching process.stdin opens it). */
export const realProcess = (): ExecProcess => ({
  stdout: (data) => void process.stdout.write(data),
  stderr: (data) => void process.stderr.write(data),
  get stdin() {
    return process.stdin;
  },
  stdinIsTTY: isatty(0),
  terminal: {
    setRaw: (raw) => void process.stdin.setRawMode(raw),
    size: () => (process.stdout.isTTY ? { width: process.stdout.columns, height: process.stdout.rows } : undefined),
    onResize: (fn) => {
      const handler = (): void => fn({ width: process.stdout.columns, height: process.stdout.rows });
      process.stdout.on('resize', handler);
      return () => void process.stdout.off('resize', handler);
    },
  },
  releaseStdin: () => {
    process.stdin.pause();
    process.stdin.destroy();
  },
  onTerminate: (onSignal) => {
    const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSignal);
    return () => {
      for (const s of signals) process.off(s, onSignal);
    };
  },
});

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGTERM: 15 };

export async function runExec(ctx: CliContext, io: Io, operands: string[], atDash: number, flags: ExecFlags, proc: ExecProcess = realProcess()): Promise<number> {
  const { target, command } = parseExecArgs(operands, atDash);
  const { pod } = await resolvePodTarget(ctx.api(), ctx.namespace, target, 'exec into');
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`error: cannot exec into a container in a completed pod; current phase is ${phase}`);
  const container = flags.container || defaultContainer(pod, io);

  const stdin = flags.stdin === true;
  // kubectl's SetupTTY: a TTY only with -i, and only when stdin is a terminal.
  let tty = stdin && flags.tty === true;
  if (tty && !proc.stdinIsTTY) {
    io.err('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    tty = false;
  }
  const stream = ctx.api().exec(pod.metadata.namespace ?? ctx.namespace, pod.metadata.name ?? '', { container, command, stdin, tty });
  const stopOnSignal = proc.onTerminate((signal) => {
    if (tty) proc.terminal.setRaw(false);
    stream.cancel();
    process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 15));
  });
  let result;
  try {
    result = await runExecSession(stream, {
      stdout: proc.stdout,
      stderr: proc.stderr,
      ...(stdin ? { stdin: proc.stdin } : {}),
      ...(tty ? { terminal: proc.terminal } : {}),
    });
  } catch (e) {
    // The apiserver refused to start the command (kubectl's `unable to upgrade connection: ...`).
    if (e instanceof ApiError && !isUnreachable(e)) throw new CliError(`error: ${e.message}`);
    throw e;
  } finally {
    stopOnSignal();
    if (stdin) proc.releaseStdin();
  }
  const exit = execExit(result);
  if (exit.message) io.err(`${exit.message}\n`);
  return exit.code;
}

export function execCommand(): Command {
  return new Command('exec')
    .description('Execute a command in a container')
    .usage('(POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [args...]')
    .argument('[args...]', 'POD or TYPE/NAME (pod, rs, deploy), then after -- the command and its arguments')
    .option('-c, --container <name>', 'the container (default: the annotated default, else the first)')
    .option('-i, --stdin', "pass stdin to the container")
    .option('-t, --tty', 'stdin is a TTY (with -i)')
    .action(withContext((ctx, io, operands: string[], flags: ExecFlags, cmd: Command) => runExec(ctx, io, operands, argsLenAtDash(cmd, operands), flags)));
}
