// The HTTP side of a streaming upgrade before it is accepted: which upgrade the client asks for
// (WebSocket, or SPDY/3.1, kubectl's fallback), and refusals as a Status over plain HTTP on the
// socket, which is then closed (the server itself keeps serving).

import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { statusOf } from '../status.js';

export type UpgradeKind = 'websocket' | 'spdy' | 'other';

export function upgradeKind(req: IncomingMessage): UpgradeKind {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase().trim();
  if (upgrade === 'websocket') return 'websocket';
  if (upgrade === 'spdy/3.1') return 'spdy';
  return 'other';
}

/** What ws would refuse with a bare 400: checked first so the answer is a Status. */
export function webSocketHandshakeProblem(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET') return `a WebSocket upgrade must be a GET, not ${req.method ?? ''}`;
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return 'missing or unsupported Sec-WebSocket-Version (13 is supported)';
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key.trim())) return 'missing or invalid Sec-WebSocket-Key';
  return undefined;
}

/** Answers the upgrade request with the Status of `err` and closes the connection. */
export function refuseUpgrade(socket: Duplex, err: unknown): number {
  const status = statusOf(err);
  const body = JSON.stringify(status);
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}\r\n` +
        `Content-Type: application/json\r\nCache-Control: no-cache, private\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  return status.code;
}
