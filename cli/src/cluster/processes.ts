// Starting a cluster component as a detached process that outlives `skiff up`, telling whether a
// recorded pid is still that process, and stopping exactly the recorded pids.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessRef {
  pid: number;
  /** /proc/<pid>/stat start time when recorded; a pid whose start time differs was reused. */
  pidStartTime?: string;
}

interface ProcStat {
  state: string;
  startTime: string;
}

/** Parses /proc/<pid>/stat: `pid (comm) state ppid ...`; comm may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined) return undefined;
  return { state, startTime };
}

function procStat(pid: number): ProcStat | undefined | 'unsupported' {
  try {
    return parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fs.existsSync('/proc/self/stat') ? undefined : 'unsupported';
    return 'unsupported';
  }
}

export function processStartTime(pid: number): string | undefined {
  const stat = procStat(pid);
  return typeof stat === 'object' ? stat.startTime : undefined;
}

/**
 * True while the recorded process runs. A zombie counts as gone (nothing reaps orphans in some
 * containers), and so does a pid now used by another process (its start time differs).
 */
export function isAlive(ref: ProcessRef): boolean {
  if (!Number.isInteger(ref.pid) || ref.pid <= 0) return false;
  const stat = procStat(ref.pid);
  if (stat === 'unsupported') {
    try {
      process.kill(ref.pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  if (stat === undefined || stat.state === 'Z' || stat.state === 'X') return false;
  return ref.pidStartTime === undefined || ref.pidStartTime === stat.startTime;
}

export interface SpawnedProcess extends ProcessRef {
  /** Resolves with the exit code (or signal) if the process exits while this process runs. */
  exited: Promise<string>;
}

/**
 * Starts `command args` in its own session (it survives this process and a Ctrl-C to it), with
 * stdin closed and stdout/stderr appended to `logFile` (truncated first unless `append`).
 */
export function spawnDetached(
  command: string,
  args: readonly string[],
  opts: { logFile: string; cwd: string; env?: NodeJS.ProcessEnv; append?: boolean },
): Promise<SpawnedProcess> {
  const fd = fs.openSync(opts.logFile, opts.append ? 'a' : 'w');
  try {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        child.unref();
        const pid = child.pid;
        if (pid === undefined) {
          reject(new Error(`${command}: no pid after spawn`));
          return;
        }
        const exited = new Promise<string>((res) => {
          child.once('exit', (code, signal) => res(signal !== null ? `signal ${signal}` : `code ${code ?? '?'}`));
        });
        const pidStartTime = processStartTime(pid);
        resolve({ pid, exited, ...(pidStartTime !== undefined ? { pidStartTime } : {}) });
      });
    });
  } finally {
    fs.closeSync(fd);
  }
}

function signal(ref: ProcessRef, sig: NodeJS.Signals): boolean {
  if (!isAlive(ref)) return false;
  try {
    process.kill(ref.pid, sig);
    return true;
  } catch {
    return false;
  }
}

export interface TerminateResult {
  /** Pids that were running and got SIGTERM. */
  terminated: number[];
  /** Pids still running after the grace period, then sent SIGKILL. */
  killed: number[];
}

/** SIGTERM each running process, wait up to `graceMs` for all to exit, then SIGKILL the rest. */
export async function terminate(refs: readonly ProcessRef[], graceMs: number, pollMs = 50): Promise<TerminateResult> {
  const terminated = refs.filter((r) => signal(r, 'SIGTERM'));
  const deadline = Date.now() + graceMs;
  while (terminated.some(isAlive) && Date.now() < deadline) await sleep(pollMs);
  const stragglers = terminated.filter(isAlive);
  for (const r of stragglers) signal(r, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (stragglers.some(isAlive) && Date.now() < killDeadline) await sleep(pollMs);
  return { terminated: terminated.map((r) => r.pid), killed: stragglers.map((r) => r.pid) };
}

/** The last `n` lines of a file (reads at most its last 64 KiB); [] if it does not exist. */
export function tailLines(file: string, n: number): string[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (len < size) lines.shift(); // the first line is probably cut
    return lines.slice(-n);
  } finally {
    fs.closeSync(fd);
  }
}
