// What the suites need to know about a running process, read from /proc: its command line,
// environment and working directory (to start it again exactly as `skiff up` did), whether it is
// still alive (a zombie counts as dead: nothing reaps orphans on some machines), and its RSS.

import fs from 'node:fs';

export interface ProcessImage {
  pid: number;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
}

function readNulList(file: string): string[] {
  const raw = fs.readFileSync(file);
  const parts = raw.toString('utf8').split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}

export function readCmdline(pid: number): string[] | undefined {
  try {
    const argv = readNulList(`/proc/${pid}/cmdline`);
    return argv.length > 0 ? argv : undefined;
  } catch {
    return undefined;
  }
}

/** Command line, environment and cwd of a live process; undefined when it is gone. */
export function readProcessImage(pid: number): ProcessImage | undefined {
  const argv = readCmdline(pid);
  if (!argv) return undefined;
  try {
    const env: Record<string, string> = {};
    for (const kv of readNulList(`/proc/${pid}/environ`)) {
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
    return { pid, argv, env, cwd };
  } catch {
    return undefined;
  }
}

/** The process state letter from /proc/<pid>/stat (R, S, D, Z, T, ...), undefined when gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ..." where comm may contain spaces and parentheses: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** Polls until the process has exited (or is a zombie); false if it is still alive at the deadline. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Sends a signal; false when the process no longer exists. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(pid: number, graceMs = 5000): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  if (await waitForExit(pid, graceMs)) return;
  signal(pid, 'SIGKILL');
  await waitForExit(pid, 5000);
}

/** Resident set size in KiB (VmRSS from /proc/<pid>/status), undefined when gone. */
export function rssKiB(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
