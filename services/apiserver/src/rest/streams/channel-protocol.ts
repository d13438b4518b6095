// Kubernetes' remote command protocols over WebSocket (k8s.io/apimachinery wsstream and
// client-go's remotecommand): every binary message starts with its channel byte: 0 stdin,
// 1 stdout, 2 stderr, 3 error (the final metav1.Status, JSON), 4 resize ({"Width","Height"});
// v5.channel.k8s.io adds 255 "close" followed by the channel being closed (kubectl half-closes
// stdin with [255, 0]). v4.channel.k8s.io is the same without close (stdin ends with the
// connection). The options come from the query: command (repeated), container, stdin, stdout,
// stderr, tty.

import { errors } from '@skiff/api';

export const PROTOCOL_V5 = 'v5.channel.k8s.io';
export const PROTOCOL_V4 = 'v4.channel.k8s.io';
/** The protocols served, best first. */
export const EXEC_PROTOCOLS = [PROTOCOL_V5, PROTOCOL_V4] as const;

export const Channel = { STDIN: 0, STDOUT: 1, STDERR: 2, ERROR: 3, RESIZE: 4, CLOSE: 255 } as const;

/** The subprotocols a client offers (Sec-WebSocket-Protocol, comma separated, maybe repeated). */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.flatMap((v) => v.split(',')).map((p) => p.trim()).filter((p) => p !== '');
}

/** The first protocol of `supported` the client offered (the server's preference, as wsstream). */
export function chooseProtocol(offered: readonly string[], supported: readonly string[]): string | undefined {
  return supported.find((p) => offered.includes(p));
}

export interface ExecOptions {
  command: string[];
  container: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function flag(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  return v !== null && ['true', '1', 't', 'True', 'TRUE'].includes(v);
}

/** PodExecOptions / PodAttachOptions from the query (Kubernetes' checks and messages). */
export function execOptionsFrom(query: URLSearchParams, attach: boolean): ExecOptions {
  const o: ExecOptions = {
    command: query.getAll('command'),
    container: query.get('container') ?? '',
    stdin: flag(query, 'stdin'),
    stdout: flag(query, 'stdout'),
    stderr: flag(query, 'stderr'),
    tty: flag(query, 'tty'),
  };
  if (!attach && o.command.length === 0) throw errors.badRequest('you must specify at least one command for the container');
  if (!o.stdin && !o.stdout && !o.stderr) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  // With a terminal stderr is merged into stdout (Kubernetes refuses both).
  if (o.tty && o.stderr) o.stderr = false;
  return o;
}

/** One message: the channel byte, then the data. */
export function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

export type ClientMessage =
  | { kind: 'stdin'; data: Buffer }
  | { kind: 'resize'; width: number; height: number }
  | { kind: 'close'; channel: number }
  | { kind: 'ignored' };

/** A message from the client. Resize payloads that are not `{Width, Height}` numbers are ignored. */
export function parseClientMessage(msg: Buffer, protocol: string): ClientMessage {
  if (msg.length === 0) return { kind: 'ignored' };
  const channel = msg[0];
  const body = msg.subarray(1);
  if (channel === Channel.STDIN) return { kind: 'stdin', data: body };
  if (channel === Channel.RESIZE) {
    try {
      const size = JSON.parse(body.toString('utf8')) as { Width?: unknown; Height?: unknown };
      if (typeof size.Width === 'number' && typeof size.Height === 'number') return { kind: 'resize', width: size.Width, height: size.Height };
    } catch {
      // fall through
    }
    return { kind: 'ignored' };
  }
  if (channel === Channel.CLOSE && protocol === PROTOCOL_V5 && body.length >= 1) return { kind: 'close', channel: body[0] ?? 0 };
  return { kind: 'ignored' };
}

/** The metav1.Status sent last on the error channel: how kubectl learns the exit code. */
export function exitStatus(exitCode: number): object {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}
