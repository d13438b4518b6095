// What a command run with `exec` in a FakeRuntime container does: a tiny asynchronous interpreter
// of busybox-style commands, enough for probes, hooks and `skiff exec` in unit tests:
// `sh -c "echo out; echo err >&2; exit 3"`, `cat` (copies stdin to stdout), `read x; echo $x`,
// `stty size` (the terminal's rows and columns), `true`, `false`, `sleep` (runs until the session
// or the container goes away), `sh` reading commands from stdin. As with Docker, a missing
// executable exits 126 with the engine's message on stdout; inside `sh` an unknown command is
// `sh: X: not found` (127). Tests script anything else with `FakeRuntime.onExec`.

import type { TerminalSize } from './runtime.js';

export interface FakeExecIO {
  out(text: string): void;
  err(text: string): void;
  /** The next line of stdin (without its newline), or undefined at the end of input. */
  readLine(): Promise<string | undefined>;
  /** The next chunk of stdin, or undefined at its end. */
  read(): Promise<Buffer | undefined>;
  /** The terminal's size, when the session has a terminal. */
  size(): TerminalSize | undefined;
  /** Aborts when the session or its container goes away. */
  readonly signal: AbortSignal;
}

/** Runs argv; resolves with the exit code. */
export type FakeExecProgram = (argv: string[], io: FakeExecIO) => Promise<number>;

/** The executables the interpreter knows (as busybox applets in `skiff/busybox`). */
const EXECUTABLES = new Set(['sh', 'echo', 'cat', 'true', 'false', 'sleep', 'stty']);

function ociNotFound(bin: string): string {
  return `OCI runtime exec failed: exec failed: unable to start container process: exec: "${bin}": executable file not found in $PATH: unknown\r\n`;
}

/** Splits a statement into words: quotes group, `$NAME` expands (not inside single quotes). */
function words(stmt: string, vars: Map<string, string>): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  const expand = (s: string): string => s.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, n: string) => vars.get(n) ?? '');
  let plain = '';
  const flushPlain = (): void => {
    cur += quote === "'" ? plain : expand(plain);
    plain = '';
  };
  for (const ch of stmt) {
    if (quote) {
      if (ch === quote) {
        flushPlain();
        quote = undefined;
      } else plain += ch;
    } else if (ch === '"' || ch === "'") {
      flushPlain();
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      flushPlain();
      if (has || cur !== '') out.push(cur);
      cur = '';
      has = false;
    } else {
      plain += ch;
      has = true;
    }
  }
  flushPlain();
  if (has || cur !== '') out.push(cur);
  return out;
}

/** `a; b && c` → statements with the operator before each. */
function statements(script: string): { op: ';' | '&&' | '||'; text: string }[] {
  const out: { op: ';' | '&&' | '||'; text: string }[] = [];
  let op: ';' | '&&' | '||' = ';';
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i] ?? '';
    const two = script.slice(i, i + 2);
    if (quote) {
      if (ch === quote) quote = undefined;
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (two === '&&' || two === '||' || ch === ';' || ch === '\n') {
      out.push({ op, text: cur.trim() });
      op = two === '&&' || two === '||' ? two : ';';
      if (op !== ';') i++;
      cur = '';
    } else cur += ch;
  }
  out.push({ op, text: cur.trim() });
  return out.filter((s) => s.text !== '' && !s.text.startsWith('#'));
}

function until(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

type Exit = { exit: number };

async function command(argv: string[], io: FakeExecIO, vars: Map<string, string>, inShell: boolean): Promise<number | Exit> {
  let toStderr = false;
  const args = argv.filter((w) => {
    if (w === '>&2' || w === '1>&2') toStderr = true;
    return w !== '>&2' && w !== '1>&2' && w !== '2>&1';
  });
  const write = (t: string): void => (toStderr ? io.err(t) : io.out(t));
  const [cmd0 = '', ...rest] = args;
  const bin = cmd0.split('/').pop() ?? cmd0;
  if (!inShell && !EXECUTABLES.has(bin)) {
    io.out(ociNotFound(cmd0));
    return 126;
  }
  switch (bin) {
    case 'echo':
      write(`${rest.join(' ')}\n`);
      return 0;
    case 'exit':
      return { exit: Number(rest[0] ?? '0') || 0 };
    case 'true':
    case ':':
      return 0;
    case 'false':
      return 1;
    case 'read': {
      const line = await io.readLine();
      if (line === undefined) return 1;
      vars.set(rest[0] ?? 'REPLY', line);
      return 0;
    }
    case 'stty': {
      const size = io.size();
      if (!size) {
        io.err('stty: standard input: Inappropriate ioctl for device\n');
        return 1;
      }
      write(`${size.height} ${size.width}\n`);
      return 0;
    }
    case 'cat': {
      if (rest.length > 0) {
        for (const f of rest) io.err(`cat: can't open '${f}': No such file or directory\n`);
        return 1;
      }
      for (let chunk = await io.read(); chunk !== undefined; chunk = await io.read()) write(chunk.toString('utf8'));
      return 0;
    }
    case 'sleep':
      await until(io.signal);
      return 137;
    case 'sh': {
      if (rest[0] === '-c') return script(rest[1] ?? '', io, vars);
      // Commands from stdin, one line at a time.
      let status = 0;
      for (let line = await io.readLine(); line !== undefined; line = await io.readLine()) {
        status = await script(line, io, vars);
        if (io.signal.aborted) break;
      }
      return status;
    }
    default:
      io.err(`sh: ${cmd0}: not found\n`);
      return 127;
  }
}

async function script(text: string, io: FakeExecIO, vars: Map<string, string>): Promise<number> {
  let status = 0;
  for (const s of statements(text)) {
    if ((s.op === '&&' && status !== 0) || (s.op === '||' && status === 0)) continue;
    const r = await command(words(s.text, vars), io, vars, true);
    if (typeof r !== 'number') return r.exit;
    status = r;
    if (io.signal.aborted) break;
  }
  return status;
}

/** The default program of a fake exec. */
export const runFakeExec: FakeExecProgram = async (argv, io) => {
  const r = await command(argv, io, new Map(), false);
  return typeof r === 'number' ? r : r.exit;
};
