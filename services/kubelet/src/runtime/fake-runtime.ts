// An in-memory ContainerRuntime: for the kubelet's unit tests and for "hollow" nodes that pretend
// to run pods. It passes the same contract suite as Docker (runtime-contract.ts).
//
// What a container "does" once started comes from a tiny interpreter of busybox-style commands:
// `sh -c "echo hi; exit 3"` prints `hi` and exits 3; `sleep N; ...` pauses N (real) seconds, then
// goes on; a last `sleep`, `httpd` or anything else it does not know keeps running until stopped
// or killed; an image's default command (`sh` for busybox) exits 0
// at once, as it does in Docker without a terminal. Tests steer the rest through hooks:
// `exit(id, code)`, `oom(id)`, `appendLog(id, text)`, `setDown(error)`, `failNext(op, error)`.
// `exec` runs fake-exec.ts's interpreter, or whatever `onExec` returns for a command; `execs`
// records every exec (command, terminal, resizes) for assertions.

import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { runFakeExec, type FakeExecIO, type FakeExecProgram } from './fake-exec.js';
import {
  RuntimeConflictError,
  RuntimeNotFoundError,
  RuntimeNotRunningError,
  type ContainerDetails,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerState,
  type ContainerSummary,
  type ExecOptions,
  type ExecSession,
  type LogOptions,
  type NetworkInfo,
  type NetworkSpec,
  type RuntimeEvent,
  type RuntimeVersion,
  type TerminalSize,
} from './runtime.js';

export interface FakeRuntimeOptions {
  /** Images present at the start (default: `skiff/busybox:latest`, `skiff/demo-web:v1`, `skiff/demo-web:v2`). */
  images?: string[];
  /** Default command per image, when a container gives none (default: busybox `sh`, demo-web runs forever). */
  imageCmd?: Record<string, string[]>;
  /** Time source for start/finish times (a Clock fits). */
  clock?: { now(): number };
}

/** What a started container does, decided by `program` (default: interpret the command). */
export interface FakeProgram {
  /** Lines written at start. */
  output?: string[];
  /** Exit at once with this code; undefined = keep running (unless `then` follows). */
  exitCode?: number;
  /** What it does after a pause (`sleep N` followed by more commands), if it is still running. */
  then?: { afterMs: number; program: FakeProgram };
}

type Op = 'create' | 'start' | 'stop' | 'remove' | 'list' | 'inspect' | 'network' | 'exec';

/** One exec, as the fake saw it. */
export interface FakeExecRecord {
  containerId: string;
  cmd: string[];
  stdin: boolean;
  tty: boolean;
  resizes: TerminalSize[];
}

interface FakeContainer {
  id: string;
  spec: ContainerSpec;
  imageID: string;
  state: ContainerState;
  createdAt: number;
  exitCode: number;
  oomKilled: boolean;
  startedAt?: string;
  finishedAt?: string;
  ipAddress?: string;
  log: { time: number; text: string }[];
  /** The rest of a program that paused (`sleep N; ...`); cleared when the container stops. */
  pending?: ReturnType<typeof setTimeout>;
  /** Wakes log followers. */
  waiters: Set<() => void>;
  /** Running execs: aborted when the container stops. */
  execs: Set<AbortController>;
}

function normalizeImage(image: string): string {
  const lastSlash = image.lastIndexOf('/');
  return image.slice(lastSlash + 1).includes(':') || image.includes('@') ? image : `${image}:latest`;
}

function rfc3339Nano(ms: number): string {
  // Docker prints nanoseconds; the fake knows milliseconds.
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function randomId(): string {
  return randomBytes(32).toString('hex');
}

function labelsMatch(have: Record<string, string>, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

const DEFAULT_IMAGES = ['skiff/busybox:latest', 'skiff/demo-web:v1', 'skiff/demo-web:v2'];

/** Interprets `sh -c "echo ..; exit N"`; anything it does not know keeps running. */
export function interpretCommand(argv: string[]): FakeProgram {
  if (argv.length === 0) return { exitCode: 0 };
  const [cmd0 = '', ...rest] = argv;
  const bin = cmd0.split('/').pop() ?? cmd0;
  if (bin === 'sh' && rest.length === 0) return { exitCode: 0 };
  if (bin === 'true') return { exitCode: 0 };
  if (bin === 'false') return { exitCode: 1 };
  if (bin === 'echo') return { output: [rest.join(' ')], exitCode: 0 };
  if (!(bin === 'sh' && rest[0] === '-c' && rest[1] !== undefined)) return {};
  return interpretScript(rest[1].split(/;|&&|\n/));
}

function interpretScript(statements: string[]): FakeProgram {
  const output: string[] = [];
  for (const [i, raw] of statements.entries()) {
    const stmt = raw.trim();
    if (stmt === '') continue;
    const words = stmt.split(/\s+/);
    const remaining = statements.slice(i + 1);
    if (words[0] === 'sleep' && /^\d+(\.\d+)?$/.test(words[1] ?? '') && remaining.some((r) => r.trim() !== '')) {
      // A pause with more to do after it: the rest runs later.
      return { output, then: { afterMs: Number(words[1]) * 1000, program: interpretScript(remaining) } };
    }
    if (words[0] === 'echo') {
      output.push(words.slice(1).join(' ').replace(/^["']|["']$/g, ''));
    } else if (words[0] === 'exit') {
      return { output, exitCode: Number(words[1] ?? '0') };
    } else if (words[0] === 'true' || words[0] === ':') {
      continue;
    } else {
      return { output }; // sleep, httpd, ...: runs until stopped
    }
  }
  return { output, exitCode: 0 };
}

export class FakeRuntime implements ContainerRuntime {
  private readonly images = new Map<string, string>();
  private readonly imageCmd: Record<string, string[]>;
  private readonly networks = new Map<string, NetworkInfo>();
  private readonly containers = new Map<string, FakeContainer>();
  private readonly subscribers = new Set<{ labels: Record<string, string>; push: (ev: RuntimeEvent) => void }>();
  private readonly clock: { now(): number };
  private down: Error | undefined;
  private readonly failures = new Map<Op, Error[]>();
  private nextIp = 2;
  /** Decides what a started container does; replace to script behaviour in a test. */
  program: (spec: ContainerSpec) => FakeProgram;
  /** Count of calls per operation, for tests that assert "nothing was touched". */
  readonly calls: Record<string, number> = {};
  /** What an exec runs, when it returns a program for the command (default: the interpreter). */
  onExec: ((containerId: string, cmd: string[]) => FakeExecProgram | undefined) | undefined;
  /** Every exec so far. */
  readonly execs: FakeExecRecord[] = [];

  constructor(opts: FakeRuntimeOptions = {}) {
    this.clock = opts.clock ?? { now: () => Date.now() };
    for (const image of opts.images ?? DEFAULT_IMAGES) this.addImage(image);
    this.imageCmd = opts.imageCmd ?? { 'skiff/busybox:latest': ['sh'], 'skiff/demo-web:v1': ['httpd'], 'skiff/demo-web:v2': ['httpd'] };
    this.program = (spec) => {
      const argv = [...(spec.entrypoint ?? []), ...(spec.cmd ?? [])];
      if (spec.entrypoint === undefined && spec.cmd === undefined) return interpretCommand(this.imageCmd[normalizeImage(spec.image)] ?? ['run-forever']);
      return interpretCommand(argv);
    };
  }

  // ---- hooks for tests ----

  addImage(image: string): string {
    const id = `sha256:${randomId()}`;
    this.images.set(normalizeImage(image), id);
    return id;
  }

  removeImage(image: string): void {
    this.images.delete(normalizeImage(image));
  }

  /** Makes every call fail with `error` (the engine is down) until called with undefined. */
  setDown(error: Error | undefined): void {
    this.down = error;
  }

  /** The next call of `op` fails with `error`. */
  failNext(op: Op, error: Error): void {
    const list = this.failures.get(op) ?? [];
    list.push(error);
    this.failures.set(op, list);
  }

  /** The container's process exits with `code` (as if it crashed or finished). */
  exit(id: string, code: number): void {
    const c = this.mustGet(id);
    if (c.state === 'running') this.finish(c, code, false);
  }

  /** The kernel's OOM killer kills it. */
  oom(id: string): void {
    const c = this.mustGet(id);
    if (c.state !== 'running') return;
    this.emit(c, { type: 'oom', id: c.id, labels: c.spec.labels });
    this.finish(c, 137, true);
  }

  appendLog(id: string, text: string): void {
    const c = this.mustGet(id);
    this.writeLines(c, text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1));
  }

  /** The spec a container was created with, for assertions. */
  specOf(id: string): ContainerSpec {
    return structuredClone(this.mustGet(id).spec);
  }

  /** Every container, for assertions. */
  all(): ContainerDetails[] {
    return [...this.containers.values()].map((c) => this.details(c));
  }

  // ---- ContainerRuntime ----

  private check(op: Op | undefined): void {
    if (op) this.calls[op] = (this.calls[op] ?? 0) + 1;
    if (this.down) throw this.down;
    const list = op ? this.failures.get(op) : undefined;
    const err = list?.shift();
    if (err) throw err;
  }

  private mustGet(id: string): FakeContainer {
    const c = this.containers.get(id) ?? [...this.containers.values()].find((x) => x.spec.name === id);
    if (!c) throw new RuntimeNotFoundError(`No such container: ${id}`);
    return c;
  }

  async version(): Promise<RuntimeVersion> {
    this.check(undefined);
    return { name: 'docker', version: '20.10.24-fake', apiVersion: '1.41' };
  }

  async ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo> {
    this.check('network');
    const existing = this.networks.get(spec.name);
    if (existing) return { ...existing, containers: this.attached(spec.name) };
    const subnet = spec.subnet ?? `172.30.${this.networks.size}.0/24`;
    const overlapping = spec.subnet !== undefined && [...this.networks.values()].some((n) => n.subnet === subnet);
    if (overlapping) throw new Error(`creating network ${spec.name}: Pool overlaps with other one on this address space`);
    const net: NetworkInfo = {
      id: randomId(),
      name: spec.name,
      labels: { ...spec.labels },
      subnet,
      gateway: spec.gateway ?? subnet.replace(/\.0\/\d+$/, '.1'),
      options: { ...(spec.options ?? {}) },
    };
    this.networks.set(spec.name, net);
    return { ...net, containers: 0 };
  }

  async listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    this.check('network');
    return [...this.networks.values()].filter((n) => labelsMatch(n.labels, labels));
  }

  /** By name or id, as Docker. */
  async removeNetwork(nameOrId: string): Promise<void> {
    this.check('network');
    const net = [...this.networks.values()].find((n) => n.name === nameOrId || n.id === nameOrId);
    if (!net) return;
    const attached = this.attached(net.name);
    if (attached > 0) throw new Error(`removing network ${nameOrId}: error while removing network: network ${net.name} id ${net.id} has active endpoints`);
    this.networks.delete(net.name);
  }

  /** Running containers that own a network namespace on the network (Docker's active endpoints). */
  private attached(network: string): number {
    return [...this.containers.values()].filter((c) => c.spec.networkMode === network && c.state === 'running').length;
  }

  async imageId(image: string): Promise<string | undefined> {
    this.check(undefined);
    return this.images.get(normalizeImage(image));
  }

  async pullImage(image: string): Promise<void> {
    this.check(undefined);
    throw new Error(`Error response from daemon: pull access denied for ${image}, repository does not exist or may require 'docker login'`);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.check('create');
    const imageID = this.images.get(normalizeImage(spec.image));
    if (imageID === undefined) throw new RuntimeNotFoundError(`No such image: ${spec.image}`);
    if ([...this.containers.values()].some((c) => c.spec.name === spec.name)) {
      throw new RuntimeConflictError(`Conflict. The container name "/${spec.name}" is already in use`);
    }
    if (spec.networkMode.startsWith('container:')) this.mustGet(spec.networkMode.slice('container:'.length));
    else if (!this.networks.has(spec.networkMode) && spec.networkMode !== 'bridge') {
      throw new RuntimeNotFoundError(`network ${spec.networkMode} not found`);
    }
    const c: FakeContainer = {
      id: randomId(),
      spec: structuredClone(spec),
      imageID,
      state: 'created',
      createdAt: this.clock.now(),
      exitCode: 0,
      oomKilled: false,
      log: [],
      waiters: new Set(),
      execs: new Set(),
    };
    this.containers.set(c.id, c);
    return c.id;
  }

  async startContainer(id: string): Promise<void> {
    this.check('start');
    const c = this.mustGet(id);
    if (c.state === 'running') return;
    if (c.spec.networkMode.startsWith('container:')) {
      const owner = this.mustGet(c.spec.networkMode.slice('container:'.length));
      if (owner.state !== 'running') throw new Error(`cannot join network of a non running container: ${owner.id}`);
    } else {
      c.ipAddress = this.allocateIp(c.spec.networkMode);
    }
    c.state = 'running';
    c.exitCode = 0;
    c.oomKilled = false;
    c.startedAt = rfc3339Nano(this.clock.now());
    delete c.finishedAt;
    this.emit(c, { type: 'start', id: c.id, labels: c.spec.labels });
    const prog = this.program(c.spec);
    // The program runs "after" start returns, as a real process would.
    setImmediate(() => this.runProgram(c, prog));
  }

  private runProgram(c: FakeContainer, prog: FakeProgram): void {
    if (c.state !== 'running') return;
    if (prog.output?.length) this.writeLines(c, prog.output);
    if (prog.exitCode !== undefined) return this.finish(c, prog.exitCode, false);
    const then = prog.then;
    if (then) {
      c.pending = setTimeout(() => {
        delete c.pending;
        this.runProgram(c, then.program);
      }, then.afterMs);
      c.pending.unref?.();
    }
  }

  async stopContainer(id: string, _timeoutSeconds: number): Promise<void> {
    this.check('stop');
    const c = this.mustGet(id);
    if (c.state !== 'running') return;
    // With an init process SIGTERM ends it (143); without one, PID 1 ignores it and is killed.
    this.finish(c, c.spec.init ? 143 : 137, false);
  }

  async killContainer(id: string, signal = 'SIGKILL'): Promise<void> {
    this.check('stop');
    const c = this.mustGet(id);
    if (c.state !== 'running') return;
    const num: Record<string, number> = { SIGKILL: 9, KILL: 9, SIGTERM: 15, TERM: 15, SIGINT: 2, INT: 2, SIGHUP: 1, HUP: 1 };
    this.finish(c, 128 + (num[signal] ?? 9), false);
  }

  async removeContainer(id: string, opts: { force?: boolean } = {}): Promise<void> {
    this.check('remove');
    const c = this.containers.get(id) ?? [...this.containers.values()].find((x) => x.spec.name === id);
    if (!c) return;
    if (c.state === 'running') {
      if (!opts.force) throw new Error(`You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
      this.finish(c, 137, false);
    }
    this.containers.delete(c.id);
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    this.check('list');
    return [...this.containers.values()].filter((c) => labelsMatch(c.spec.labels, labels)).map((c) => this.summary(c));
  }

  async inspectContainer(id: string): Promise<ContainerDetails | undefined> {
    this.check('inspect');
    const c = this.containers.get(id);
    return c ? this.details(c) : undefined;
  }

  async *logs(id: string, opts: LogOptions = {}): AsyncIterable<Buffer> {
    this.check(undefined);
    const c = this.mustGet(id);
    const fmt = (l: { time: number; text: string }): Buffer =>
      Buffer.from(`${opts.timestamps ? `${rfc3339Nano(l.time)} ` : ''}${l.text}\n`);
    let next = opts.tail !== undefined && opts.tail >= 0 ? Math.max(0, c.log.length - opts.tail) : 0;
    const since = opts.since;
    for (;;) {
      while (next < c.log.length) {
        const line = c.log[next++];
        if (line && (since === undefined || line.time >= since)) yield fmt(line);
      }
      if (!opts.follow || c.state !== 'running' || opts.signal?.aborted || !this.containers.has(c.id)) return;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          c.waiters.delete(wake);
          opts.signal?.removeEventListener('abort', wake);
          resolve();
        };
        c.waiters.add(wake);
        opts.signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  async *events(labels: Record<string, string>, signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    this.check(undefined);
    const queue: RuntimeEvent[] = [];
    let wake: (() => void) | undefined;
    const sub = {
      labels,
      push: (ev: RuntimeEvent) => {
        queue.push(ev);
        wake?.();
      },
    };
    this.subscribers.add(sub);
    const onAbort = (): void => wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal.aborted) {
        const ev = queue.shift();
        if (ev) {
          yield ev;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = () => {
            wake = undefined;
            resolve();
          };
        });
      }
    } finally {
      this.subscribers.delete(sub);
      signal.removeEventListener('abort', onAbort);
    }
  }

  async exec(id: string, opts: ExecOptions): Promise<ExecSession> {
    this.check('exec');
    const c = this.mustGet(id);
    if (c.state !== 'running') throw new RuntimeNotRunningError(`Container ${c.id} is not running`);
    const tty = opts.tty ?? false;
    const record: FakeExecRecord = { containerId: c.id, cmd: [...opts.cmd], stdin: opts.stdin ?? false, tty, resizes: [] };
    this.execs.push(record);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const ac = new AbortController();
    c.execs.add(ac);
    // stdin: chunks waiting to be read, and whether it ended.
    const input: Buffer[] = [];
    let inputEnded = !record.stdin;
    let wake: (() => void) | undefined;
    const wakeUp = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    ac.signal.addEventListener('abort', wakeUp, { once: true });
    const nextChunk = async (): Promise<Buffer | undefined> => {
      while (input.length === 0 && !inputEnded && !ac.signal.aborted) await new Promise<void>((r) => (wake = r));
      return input.shift();
    };
    let pending = '';
    const io: FakeExecIO = {
      // A terminal turns \n into \r\n and has one output stream.
      out: (t) => void stdout.write(tty ? t.replace(/\r?\n/g, '\r\n') : t),
      err: (t) => void (tty ? stdout.write(t.replace(/\r?\n/g, '\r\n')) : stderr.write(t)),
      read: async () => {
        if (pending !== '') {
          const b = Buffer.from(pending);
          pending = '';
          return b;
        }
        return nextChunk();
      },
      readLine: async () => {
        for (;;) {
          const nl = pending.indexOf('\n');
          if (nl >= 0) {
            const line = pending.slice(0, nl).replace(/\r$/, '');
            pending = pending.slice(nl + 1);
            return line;
          }
          const chunk = await nextChunk();
          if (chunk === undefined) {
            if (pending === '') return undefined;
            const rest = pending;
            pending = '';
            return rest;
          }
          pending += chunk.toString('utf8');
        }
      },
      size: () => (tty ? (record.resizes[record.resizes.length - 1] ?? { width: 80, height: 24 }) : undefined),
      signal: ac.signal,
    };
    const program = this.onExec?.(c.id, opts.cmd) ?? runFakeExec;
    let closed = false;
    const exitCode = (async () => {
      // Killed with the container: 137, as Docker reports an exec whose container stopped.
      const killed = new Promise<number>((resolve) => ac.signal.addEventListener('abort', () => resolve(137), { once: true }));
      const code = await Promise.race([program([...opts.cmd], io).catch(() => 126), killed]);
      c.execs.delete(ac);
      ac.abort();
      stdout.end();
      stderr.end();
      if (closed) throw new Error('the exec session was closed');
      return code;
    })();
    exitCode.catch(() => {});
    return {
      stdout,
      stderr,
      exitCode,
      write: (data) => {
        if (inputEnded) return;
        input.push(Buffer.from(data));
        wakeUp();
      },
      closeStdin: () => {
        inputEnded = true;
        wakeUp();
      },
      resize: async (size) => {
        if (tty) record.resizes.push({ ...size });
      },
      close: () => {
        closed = true;
        ac.abort();
      },
    };
  }

  // ---- internals ----

  private allocateIp(network: string): string {
    const net = this.networks.get(network);
    const prefix = (net?.subnet ?? '172.17.0.0/16').split('/')[0]?.split('.').slice(0, 3).join('.') ?? '172.17.0';
    const host = this.nextIp++;
    return `${prefix}.${(host % 250) + 2}`;
  }

  private writeLines(c: FakeContainer, lines: string[]): void {
    const time = this.clock.now();
    for (const text of lines) c.log.push({ time, text });
    for (const w of [...c.waiters]) w();
  }

  private finish(c: FakeContainer, code: number, oomKilled: boolean): void {
    if (c.pending !== undefined) clearTimeout(c.pending);
    delete c.pending;
    for (const ac of c.execs) ac.abort();
    c.execs.clear();
    c.state = 'exited';
    c.exitCode = code;
    c.oomKilled = oomKilled;
    c.finishedAt = rfc3339Nano(this.clock.now());
    delete c.ipAddress;
    this.emit(c, { type: 'die', id: c.id, labels: c.spec.labels, exitCode: code });
    for (const w of [...c.waiters]) w();
  }

  private emit(c: FakeContainer, ev: RuntimeEvent): void {
    for (const s of this.subscribers) if (labelsMatch(c.spec.labels, s.labels)) s.push({ ...ev, labels: { ...ev.labels } });
  }

  private summary(c: FakeContainer): ContainerSummary {
    return {
      id: c.id,
      name: c.spec.name,
      image: c.spec.image,
      labels: { ...c.spec.labels },
      state: c.state,
      createdAt: c.createdAt,
    };
  }

  private details(c: FakeContainer): ContainerDetails {
    return {
      ...this.summary(c),
      imageID: c.imageID,
      exitCode: c.exitCode,
      oomKilled: c.oomKilled,
      ...(c.startedAt !== undefined ? { startedAt: c.startedAt } : {}),
      ...(c.finishedAt !== undefined ? { finishedAt: c.finishedAt } : {}),
      ...(c.ipAddress !== undefined ? { ipAddress: c.ipAddress } : {}),
    };
  }
}
