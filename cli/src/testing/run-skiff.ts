// For the CLI's integration tests: runs the real `skiff` binary (cli/dist/main.js) as its own
// process against a given apiserver and SKIFF_HOME, and reads the tables it prints.

import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SkiffOptions {
  server?: string;
  input?: string;
  timeoutMs?: number;
}

export const showRun = (r: Run): string => `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;

export class SkiffRunner {
  constructor(
    private readonly server: () => string,
    private readonly home: () => string,
  ) {}

  /** Starts `skiff --server S ARGS...` (for commands that keep running, like -w). */
  spawn(args: readonly string[], opts: SkiffOptions = {}): ChildProcessWithoutNullStreams {
    return spawn(process.execPath, [CLI_MAIN, '--server', opts.server ?? this.server(), ...args], {
      env: { ...process.env, SKIFF_HOME: this.home() },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  run(args: readonly string[], opts: SkiffOptions = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = this.spawn(args, opts);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(opts.input ?? '');
    });
  }

  /** Runs and asserts exit 0; returns stdout. */
  async ok(...args: string[]): Promise<string> {
    const r = await this.run(args);
    assert.equal(r.code, 0, showRun(r));
    return r.stdout;
  }

  /** Runs and asserts exit 1; returns the run. */
  async fails(...args: string[]): Promise<Run> {
    const r = await this.run(args);
    assert.equal(r.code, 1, showRun(r));
    return r;
  }
}

/** Rows of a kubectl-style table as header → cell maps. */
export function parseTable(out: string): Record<string, string>[] {
  const [header, ...rows] = out.trimEnd().split('\n');
  const starts: { name: string; at: number }[] = [];
  for (const m of (header ?? '').matchAll(/\S+(?: \S+)*/g)) starts.push({ name: m[0], at: m.index ?? 0 });
  return rows.map((row) => Object.fromEntries(starts.map((c, i) => [c.name, row.slice(c.at, starts[i + 1]?.at ?? row.length).trim()])));
}
