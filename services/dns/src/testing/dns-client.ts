// A tiny DNS client for tests: one UDP exchange, or a TCP connection that sends framed messages
// and reads framed replies. Messages are encoded with dns-packet by the caller.

import dgram from 'node:dgram';
import net from 'node:net';

const TIMEOUT_MS = 5_000;

/** Sends one datagram and resolves with the first reply. */
export function udpExchange(host: string, port: number, message: Buffer): Promise<Buffer> {
  const socket = dgram.createSocket('udp4');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no UDP reply from ${host}:${port} within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    socket.once('message', (reply) => {
      clearTimeout(timer);
      resolve(reply);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.send(message, port, host);
  }).finally(() => socket.close());
}

export function frame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
}

/** One TCP connection: `send` writes framed messages, `next` resolves with the next framed reply. */
export class TcpSession {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly replies: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 2 && this.buffered.length >= 2 + this.buffered.readUInt16BE(0)) {
        const n = this.buffered.readUInt16BE(0);
        this.replies.push(this.buffered.subarray(2, 2 + n));
        this.buffered = this.buffered.subarray(2 + n);
      }
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  static connect(host: string, port: number): Promise<TcpSession> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new TcpSession(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes the messages, framed, in one write (so they arrive pipelined). */
  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages.map(frame)));
  }

  /** Writes raw bytes (for split frames). */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async next(): Promise<Buffer> {
    const deadline = Date.now() + TIMEOUT_MS;
    while (this.replies.length === 0) {
      if (this.closed) throw new Error('connection closed before a reply');
      if (Date.now() > deadline) throw new Error(`no TCP reply within ${TIMEOUT_MS} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 100);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.replies.shift() as Buffer;
  }

  close(): void {
    this.socket.destroy();
  }
}
