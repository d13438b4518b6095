// Runs the real `skiff` CLI (cli/dist/main.js) as its own process, the way a user does, and
// returns what the user would see. A command that does not finish within its timeout is killed
// and reported as hung (code null), so "the CLI hangs" is a visible failure, not a stuck suite.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_MAIN = path.join(REPO_ROOT, 'cli/dist/main.js');

export interface RunResult {
  /** Exit code; null when the command was killed (timeout or signal). */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The command line, for failure messages. */
  command: string;
}

export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
  cwd?: string;
}

export function runCommand(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new Error('runCommand: empty argv'));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        command: argv.join(' '),
      });
    });
    child.stdin.on('error', () => undefined); // the command may exit before reading its stdin
    child.stdin.end(opts.stdin ?? '');
  });
}

/** `skiff ARGS...` through node, with the given environment (SKIFF_HOME etc.). */
export function runSkiff(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runCommand([process.execPath, CLI_MAIN, ...args], opts);
}

/** A one-paragraph account of a run for assertion messages. */
export function showRun(r: RunResult): string {
  const status = r.timedOut ? 'HUNG (killed at timeout)' : `exit ${String(r.code)}`;
  return `$ skiff ${r.command.split(' ').slice(2).join(' ')} → ${status}\n--- stdout ---\n${r.stdout.trimEnd()}\n--- stderr ---\n${r.stderr.trimEnd()}`;
}
