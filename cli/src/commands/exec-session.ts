// One `exec` conversation, after kubectl's exec.go and remotecommand: the command line split at
// `--`, the remote output copied to the local stdout/stderr as bytes, local stdin copied in (its
// end closes the remote stdin), a raw local terminal with the initial size and every resize sent
// on, and the remote exit turned into kubectl's exit: `command terminated with exit code N`.

import type { Status } from '@skiff/api';
import type { ExecStream } from '@skiff/client';
import { CliError } from '../errors.js';

export interface ExecArgs {
  /** POD or TYPE/NAME. */
  target: string;
  command: string[];
}

/**
 * kubectl's ExecOptions.Complete/Validate: the pod is the first operand before `--`, the command
 * everything after it; the old form without `--` is refused.
 */
export function parseExecArgs(operands: readonly string[], atDash: number): ExecArgs {
  const target = operands.length > 0 && atDash !== 0 ? (operands[0] ?? '') : '';
  let command: string[] = [];
  if (atDash > -1) command = operands.slice(atDash);
  else if (operands.length > 1) {
    throw new CliError("error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'skiff exec -h' for help and examples");
  }
  if (target === '') throw new CliError('error: pod, type/name or --filename must be specified');
  if (command.length === 0) throw new CliError('error: you must specify at least one command for the container');
  return { target, command };
}

export interface TerminalSize {
  width: number;
  height: number;
}

/** The local terminal when `-t` applies: raw mode, its size, and its resizes (SIGWINCH). */
export interface ExecTerminal {
  setRaw(raw: boolean): void;
  size(): TerminalSize | undefined;
  /** Calls `fn` on every resize; returns the unsubscribe. */
  onResize(fn: (size: TerminalSize) => void): () => void;
}

/** The byte stream `-i` copies to the remote stdin. */
export interface ExecInput {
  on(event: 'data', fn: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', fn: () => void): unknown;
  off(event: 'data', fn: (chunk: Buffer | string) => void): unknown;
  off(event: 'end', fn: () => void): unknown;
}

export interface ExecSessionIo {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  /** Set with -i. */
  stdin?: ExecInput;
  /** Set with -t on a terminal. */
  terminal?: ExecTerminal;
}

export interface ExecResult {
  /** undefined: the stream ended without an exit. */
  exitCode: number | undefined;
  status?: Status;
}

/** Copies the streams until the remote command exits; restores the terminal however it ends. */
export async function runExecSession(stream: ExecStream, io: ExecSessionIo): Promise<ExecResult> {
  const cleanups: (() => void)[] = [];
  const { stdin, terminal } = io;
  if (terminal) {
    terminal.setRaw(true);
    cleanups.push(() => terminal.setRaw(false));
    const size = terminal.size();
    if (size) stream.resize(size.width, size.height);
    cleanups.push(terminal.onResize((s) => stream.resize(s.width, s.height)));
  }
  if (stdin) {
    const onData = (chunk: Buffer | string): void => stream.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const onEnd = (): void => stream.closeStdin();
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    cleanups.push(() => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
    });
  }
  try {
    for await (const frame of stream) {
      if ('stdout' in frame) io.stdout(frame.stdout);
      else if ('stderr' in frame) io.stderr(frame.stderr);
      else return frame.exit.status ? { exitCode: frame.exit.exitCode, status: frame.exit.status } : { exitCode: frame.exit.exitCode };
    }
    return { exitCode: undefined };
  } finally {
    for (const undo of cleanups.reverse()) undo();
  }
}

/**
 * The exit of `skiff exec`: the remote command's exit code (with kubectl's `command terminated
 * with exit code N` note when it is not 0), or the reason the command could not run.
 */
export function execExit(result: Readonly<ExecResult>): { code: number; message?: string } {
  const { exitCode, status } = result;
  if (status && status.status === 'Failure' && (status.reason as string) !== 'NonZeroExitCode') {
    return { code: 1, message: `error: ${status.message}` };
  }
  if (exitCode === undefined) return { code: 1, message: 'error: the exec stream ended before the command exited' };
  if (exitCode === 0) return { code: 0 };
  return { code: exitCode, message: `command terminated with exit code ${exitCode}` };
}
