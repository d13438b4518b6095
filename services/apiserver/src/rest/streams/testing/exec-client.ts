// A WebSocket client of pods/exec speaking the channel protocols (v5.channel.k8s.io by default), as
// kubectl's does, for tests: send stdin, resize, close stdin, and collect stdout, stderr and the
// final Status.

import { WebSocket } from 'ws';
import { Channel, frame } from '../channel-protocol.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** The Status from the error channel, parsed. */
  status: Record<string, unknown> | undefined;
  /** The WebSocket close code. */
  closeCode: number;
}

export interface ExecConnection {
  readonly protocol: string;
  write(data: string | Buffer): void;
  resize(width: number, height: number): void;
  /** v5 only: [255, 0]. */
  closeStdin(): void;
  /** Resolves when the server closes the connection. */
  readonly done: Promise<ExecResult>;
  /** Resolves once stdout contains `text`. */
  waitForStdout(text: string): Promise<void>;
  close(): void;
}

export interface ExecClientOptions {
  /** `https://127.0.0.1:PORT`. */
  server: string;
  token: string;
  ca: string | Buffer;
  protocols?: string[];
}

/** Opens `path` (`/api/v1/namespaces/N/pods/P/exec?command=...`); rejects when the upgrade is refused. */
export function openExec(path: string, o: ExecClientOptions): Promise<ExecConnection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${o.server.replace(/^http/, 'ws')}${path}`, o.protocols ?? ['v5.channel.k8s.io'], {
      ca: o.ca,
      headers: { Authorization: `Bearer ${o.token}` },
      perMessageDeflate: false,
    });
    const out = { stdout: '', stderr: '', status: undefined as Record<string, unknown> | undefined };
    const waiters: { text: string; resolve: () => void }[] = [];
    const done = new Promise<ExecResult>((res) => {
      ws.on('close', (code) => res({ ...out, closeCode: code }));
    });
    ws.on('message', (data: Buffer) => {
      const channel = data[0];
      const body = data.subarray(1).toString('utf8');
      if (channel === Channel.STDOUT) out.stdout += body;
      else if (channel === Channel.STDERR) out.stderr += body;
      else if (channel === Channel.ERROR) out.status = JSON.parse(body) as Record<string, unknown>;
      for (const w of waiters.filter((x) => out.stdout.includes(x.text))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode ?? 0}: ${Buffer.concat(chunks).toString('utf8')}`), { statusCode: res.statusCode, body: Buffer.concat(chunks).toString('utf8') })));
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        protocol: ws.protocol,
        write: (data) => ws.send(frame(Channel.STDIN, data)),
        resize: (width, height) => ws.send(frame(Channel.RESIZE, JSON.stringify({ Width: width, Height: height }))),
        closeStdin: () => ws.send(Buffer.from([Channel.CLOSE, Channel.STDIN])),
        done,
        waitForStdout: (text) => (out.stdout.includes(text) ? Promise.resolve() : new Promise<void>((r) => waiters.push({ text, resolve: r }))),
        close: () => ws.close(),
      }),
    );
  });
}

/** The path of an exec with the query kubectl sends. */
export function execPath(namespace: string, pod: string, command: string[], o: { container?: string; stdin?: boolean; tty?: boolean } = {}): string {
  const q = new URLSearchParams();
  for (const c of command) q.append('command', c);
  if (o.container) q.set('container', o.container);
  if (!o.tty) q.set('stderr', 'true');
  if (o.stdin) q.set('stdin', 'true');
  q.set('stdout', 'true');
  if (o.tty) q.set('tty', 'true');
  return `/api/v1/namespaces/${namespace}/pods/${pod}/exec?${q.toString()}`;
}
