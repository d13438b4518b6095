// The real kubectl, run the way a user runs it: the binary found on PATH, with KUBECONFIG pointing
// at the file `skiff up` wrote (HTTPS, the cluster CA, a bearer token) and no other flag. Every call
// also passes `-v=6`, whose log lines (one per HTTP request: method, URL, status, time) are split
// from what kubectl prints, so a failure shows the request that failed without a second run.
// Read-only commands that fail are run again with `-v=8` (request and response bodies).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { runCommand, type RunOptions, type RunResult } from './run-cli.js';
import type { Cluster } from './harness.js';

/** kubectl on PATH, or an error saying how CI gets one (Debian's `kubernetes-client`). */
export function findKubectl(): string {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'kubectl');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('kubectl is not on PATH: install it (`apt-get install -y kubernetes-client` on Debian) to run the kubectl suite');
}

/** The `export KUBECONFIG=<abs path>` line `skiff up` printed; undefined when it printed none. */
export function kubeconfigFromUpOutput(stdout: string): string | undefined {
  const m = /^export KUBECONFIG=(\S+)\s*$/m.exec(stdout);
  return m?.[1];
}

/** The cluster's kubeconfig, from what `skiff up` printed; throws with the output otherwise. */
export function clusterKubeconfig(cluster: Cluster): string {
  const file = kubeconfigFromUpOutput(cluster.upResult.stdout);
  if (!file) throw new Error(`skiff up printed no "export KUBECONFIG=<path>" line:\n${cluster.upResult.stdout}`);
  return file;
}

// klog: `I1129 10:03:22.035115   31742 loader.go:402] message`
const KLOG_LINE = /^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.-]+:\d+\] /;
const READ_ONLY = new Set(['get', 'describe', 'api-resources', 'api-versions', 'explain', 'logs', 'version', 'top']);

export interface KubectlResult extends RunResult {
  /** stderr without kubectl's own log lines: what a user sees. */
  errors: string;
  /** kubectl's request log (`-v=6` and up). */
  trace: string[];
}

/** The HTTP requests kubectl logged at -v=6: `GET https://... 200 OK in 3 milliseconds`. */
export interface TracedRequest {
  method: string;
  url: string;
  status: number;
}

export function tracedRequests(r: KubectlResult): TracedRequest[] {
  const out: TracedRequest[] = [];
  for (const line of r.trace) {
    const m = /\] (GET|POST|PUT|PATCH|DELETE|HEAD) (\S+) (\d{3})\b/.exec(line);
    if (m) out.push({ method: m[1]!, url: m[2]!, status: Number(m[3]) });
  }
  return out;
}

function split(r: RunResult): KubectlResult {
  const lines = r.stderr.split('\n');
  const trace = lines.filter((l) => KLOG_LINE.test(l));
  const errors = lines.filter((l) => !KLOG_LINE.test(l)).join('\n');
  return { ...r, errors, trace };
}

export function showKubectl(r: KubectlResult, verbose?: KubectlResult): string {
  const status = r.timedOut ? 'HUNG (killed at timeout)' : `exit ${String(r.code)}`;
  const requests = r.trace.filter((l) => / (GET|POST|PUT|PATCH|DELETE) https?:/.test(l)).map((l) => l.replace(KLOG_LINE, ''));
  let text = `$ ${r.command} → ${status}\n--- stdout ---\n${r.stdout.trimEnd()}\n--- stderr ---\n${r.errors.trimEnd()}\n--- requests (-v=6) ---\n${requests.join('\n')}`;
  if (verbose) {
    const body = verbose.trace.map((l) => l.replace(KLOG_LINE, '')).join('\n');
    text += `\n--- same command at -v=8 ---\n${body.length > 6000 ? `${body.slice(0, 6000)}…` : body}`;
  }
  return text;
}

export interface KubectlOptions extends RunOptions {
  /** Verbosity for the request log (default 6). */
  verbosity?: number;
}

export class Kubectl {
  readonly binary: string;
  readonly kubeconfig: string;
  readonly env: Record<string, string>;

  constructor(kubeconfig: string, binary = findKubectl(), extraEnv: Record<string, string> = {}) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
    // KUBECONFIG only: no flag tells kubectl where the server is. HOME is kept so the discovery
    // cache goes where it always does; a fresh cache dir keeps one run from reading another's.
    this.env = { KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(path.dirname(kubeconfig), 'kubectl-cache'), ...extraEnv };
  }

  argv(args: readonly string[], verbosity = 6): string[] {
    return [this.binary, ...args, `-v=${verbosity}`];
  }

  /** Runs kubectl; never throws on a non-zero exit. */
  async run(args: readonly string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
    const r = await runCommand(this.argv(args, opts.verbosity), { timeoutMs: 60_000, ...opts, env: { ...this.env, ...opts.env } });
    return split(r);
  }

  /** Runs kubectl that must succeed; returns stdout. A failure throws with the requests it made. */
  async ok(args: readonly string[], opts: KubectlOptions = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`expected kubectl to succeed:\n${await this.explainFailure(args, r, opts)}`);
    return r.stdout;
  }

  /** Runs kubectl that must fail (non-zero, not hung); returns the result. */
  async fails(args: readonly string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
    const r = await this.run(args, opts);
    if (r.code === 0 || r.timedOut) throw new Error(`expected kubectl to fail:\n${showKubectl(r)}`);
    return r;
  }

  /** The failure, with a -v=8 re-run for read-only commands (safe to repeat). */
  async explainFailure(args: readonly string[], r: KubectlResult, opts: KubectlOptions = {}): Promise<string> {
    const verb = args.find((a) => !a.startsWith('-'));
    if (verb !== undefined && READ_ONLY.has(verb) && !args.includes('-f') && !args.includes('-w') && !args.includes('--follow')) {
      const again = await this.run(args, { ...opts, verbosity: 8 }).catch(() => undefined);
      return showKubectl(r, again);
    }
    return showKubectl(r);
  }

  /** A long-running kubectl (`get -w`, `logs -f`, `port-forward`) whose output is read as it comes. */
  start(args: readonly string[], opts: { env?: Record<string, string> } = {}): KubectlProcess {
    return new KubectlProcess(this.argv(args), { ...process.env, ...this.env, ...opts.env });
  }
}

/** A kubectl process that keeps running: wait for what it prints, then stop it. */
export class KubectlProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly command: string;
  private out = '';
  private err = '';
  private exited: Promise<number | null>;
  private waiters = new Set<() => void>();

  constructor(argv: readonly string[], env: NodeJS.ProcessEnv) {
    const [cmd, ...args] = argv;
    this.command = argv.join(' ');
    this.child = spawn(cmd!, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (c: Buffer) => {
      this.out += c.toString('utf8');
      this.notify();
    });
    this.child.stderr.on('data', (c: Buffer) => {
      this.err += c.toString('utf8');
      this.notify();
    });
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code) => {
        this.notify();
        resolve(code);
      });
      this.child.once('error', () => resolve(null));
    });
  }

  get stdout(): string {
    return this.out;
  }

  /** stderr without klog lines. */
  get errors(): string {
    return this.err
      .split('\n')
      .filter((l) => !KLOG_LINE.test(l))
      .join('\n');
  }

  get stderr(): string {
    return this.err;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with the first match of `re` in stdout; rejects at the deadline or when kubectl exits first. */
  waitForOutput(re: RegExp, timeoutMs: number, what = String(re)): Promise<RegExpExecArray> {
    return this.waitForText((out) => re.exec(out) ?? undefined, timeoutMs, what);
  }

  /** Resolves with what `pick` finds in stdout so far; rejects at the deadline or when kubectl exits first. */
  waitForText<T>(pick: (stdout: string) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      let done = false;
      const check = (): void => {
        if (done) return;
        const found = pick(this.out);
        if (found !== undefined) {
          finish();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          finish();
          reject(new Error(`${this.command} exited (${String(this.child.exitCode ?? this.child.signalCode)}) before printing ${what}:\n${this.show()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.command} did not print ${what} within ${timeoutMs} ms:\n${this.show()}`));
      }, timeoutMs);
      const finish = (): void => {
        done = true;
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  show(): string {
    const requests = this.err
      .split('\n')
      .filter((l) => / (GET|POST|PUT|PATCH|DELETE) https?:/.test(l))
      .map((l) => l.replace(KLOG_LINE, ''));
    return `--- stdout ---\n${this.out.trimEnd()}\n--- stderr ---\n${this.errors.trimEnd()}\n--- requests ---\n${requests.join('\n')}`;
  }

  /** SIGTERM (SIGKILL after 5 s); resolves with the exit code once it is gone. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      const code = await this.exited;
      clearTimeout(t);
      return code;
    }
    return this.exited;
  }

  exit(): Promise<number | null> {
    return this.exited;
  }
}

/**
 * Runs a command under a pseudo-terminal with util-linux `script` (stdin of the command is the
 * pty; `input` is typed into it), as `kubectl exec -it` needs a terminal on its stdin. The pty gets
 * the window size `rows` x `cols` first (a pipe has none), which kubectl sends on as a resize.
 */
export async function runInPty(
  argv: readonly string[],
  opts: { env: Record<string, string>; input?: string; timeoutMs?: number; rows?: number; cols?: number },
): Promise<RunResult> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const size = `stty rows ${opts.rows ?? 40} cols ${opts.cols ?? 100}`;
  return runCommand(['script', '-qefc', `${size}; exec ${quoted}`, '/dev/null'], { env: opts.env, stdin: opts.input ?? '', timeoutMs: opts.timeoutMs ?? 30_000 });
}
