// A WebSocket client just big enough to carry SPDY the way client-go's tunneling dialer does
// (every write one masked binary message), for tests. The `ws` client cannot be used: it refuses
// the subprotocol `SPDY/3.1+portforward.k8s.io` ('/' is no token character), which Go sends.

import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

/** One masked client frame. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] ?? 0) ^ (mask[i % 4] ?? 0);
  return Buffer.concat([head, mask, body]);
}

export interface TunnelConnection {
  /** The SPDY bytes: binary messages both ways. */
  stream: Duplex;
  /** The Sec-WebSocket-Protocol the server chose. */
  protocol: string;
}

export interface TunnelResponse {
  statusLine: string;
  headers: Record<string, string>;
  body: string;
}

/** Opens a WebSocket with the given subprotocol; rejects with the response when it is not a 101. */
export function openTunnel(o: { port: number; path: string; token: string; ca: string | Buffer; protocol: string }): Promise<TunnelConnection> {
  return new Promise((resolve, reject) => {
    const sock: TLSSocket = tlsConnect({ host: '127.0.0.1', port: o.port, ca: o.ca, servername: 'localhost' }, () => {
      sock.write(
        `GET ${o.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Protocol: ${o.protocol}\r\nAuthorization: Bearer ${o.token}\r\n\r\n`,
      );
    });
    sock.on('error', reject);
    let buf = Buffer.alloc(0);
    let stream: Duplex | undefined;
    const onData = (b: Buffer): void => {
      buf = Buffer.concat([buf, b]);
      if (!stream) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buf.subarray(0, end).toString().split('\r\n');
        const statusLine = lines[0] ?? '';
        const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        if (!/^HTTP\/1\.1 101/.test(statusLine)) {
          sock.on('end', () => reject(Object.assign(new Error(statusLine), { response: { statusLine, headers, body: buf.subarray(end + 4).toString() } })));
          return;
        }
        buf = buf.subarray(end + 4);
        stream = new Duplex({
          read: () => undefined,
          write: (chunk: Buffer, _enc, cb) => sock.write(clientFrame(2, chunk), cb),
          final: (cb) => sock.end(clientFrame(8, Buffer.from([0x03, 0xe8])), () => cb()),
          destroy: (_e, cb) => {
            sock.destroy();
            cb(null);
          },
        });
        sock.on('end', () => stream?.push(null));
        resolve({ stream, protocol: headers['sec-websocket-protocol'] ?? '' });
      }
      // Server frames are not masked.
      while (buf.length >= 2 && stream) {
        const opcode = (buf[0] ?? 0) & 0x0f;
        let len = (buf[1] ?? 0) & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (opcode === 2 || opcode === 0) stream.push(Buffer.from(payload));
        else if (opcode === 9) sock.write(clientFrame(10, payload));
        else if (opcode === 8) stream.push(null);
      }
    };
    sock.on('data', onData);
  });
}
