// The client side of SPDY/3.1 port forwarding, as kubectl does it (client-go portforward.go over
// spdystream), for tests: per connection an error stream (half-closed at once) and a data stream
// with `streamtype`, `port` and `requestid`, each waiting for the server's SYN_REPLY.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FrameType,
  HeaderDeflater,
  HeaderInflater,
  parseFrames,
  RstStatus,
  type Frame,
  type Headers,
} from '../spdy-frames.js';

/** Events: `data` (Buffer), `end`, `reset`. */
export class ClientStream extends EventEmitter {
  received = Buffer.alloc(0);
  ended = false;
  constructor(
    readonly id: number,
    private readonly client: SpdyClient,
  ) {
    super();
    this.on('data', (b: Buffer) => {
      this.received = Buffer.concat([this.received, b]);
    });
    this.on('end', () => {
      this.ended = true;
    });
  }
  write(data: Buffer | string): void {
    this.client.transport.write(dataFrame(this.id, 0, Buffer.from(data)));
  }
  end(): void {
    this.client.transport.write(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
  }
  reset(): void {
    const p = Buffer.alloc(8);
    p.writeUInt32BE(this.id, 0);
    p.writeUInt32BE(RstStatus.CANCEL, 4);
    this.client.transport.write(controlFrame(FrameType.RST_STREAM, 0, p));
  }
  /** Everything until the server's FIN. */
  readAll(): Promise<string> {
    if (this.ended) return Promise.resolve(this.received.toString('utf8'));
    return new Promise((resolve) => this.once('end', () => resolve(this.received.toString('utf8'))));
  }
}

export class SpdyClient {
  private nextId = 1;
  private nextPing = 1;
  private pending = Buffer.alloc(0);
  private readonly streams = new Map<number, { stream: ClientStream; replied: (ok: boolean) => void }>();
  private readonly deflater = new HeaderDeflater();
  private readonly inflater = new HeaderInflater();
  private chain: Promise<void> = Promise.resolve();
  private readonly pings = new Map<number, () => void>();
  readonly goAway: Promise<void>;
  private onGoAway: () => void = () => undefined;

  constructor(readonly transport: Duplex) {
    this.goAway = new Promise((r) => (this.onGoAway = r));
    transport.on('data', (chunk: Buffer) => {
      const { frames, rest } = parseFrames(Buffer.concat([this.pending, chunk]));
      this.pending = Buffer.from(rest);
      for (const f of frames) this.chain = this.chain.then(() => this.handle(f));
    });
    transport.on('error', () => undefined);
  }

  /** Opens a stream and waits for its SYN_REPLY (rejects on RST_STREAM). */
  open(headers: Headers): Promise<ClientStream> {
    const id = this.nextId;
    this.nextId += 2;
    const stream = new ClientStream(id, this);
    return new Promise((resolve, reject) => {
      this.streams.set(id, { stream, replied: (ok) => (ok ? resolve(stream) : reject(new Error(`stream ${id} was reset`))) });
      const head = Buffer.alloc(10);
      head.writeUInt32BE(id, 0);
      this.transport.write(controlFrame(FrameType.SYN_STREAM, 0, Buffer.concat([head, this.deflater.compress(encodeHeaderBlock(headers))])));
    });
  }

  /** One forwarded connection: the error stream (half-closed) and the data stream. */
  async forward(port: number, requestId: number): Promise<{ error: ClientStream; data: ClientStream }> {
    const base = { port: String(port), requestid: String(requestId) };
    const error = await this.open({ streamtype: 'error', ...base });
    error.end();
    const data = await this.open({ streamtype: 'data', ...base });
    return { error, data };
  }

  ping(): Promise<void> {
    const id = this.nextPing;
    this.nextPing += 2;
    const p = Buffer.alloc(4);
    p.writeUInt32BE(id);
    return new Promise((resolve) => {
      this.pings.set(id, resolve);
      this.transport.write(controlFrame(FrameType.PING, 0, p));
    });
  }

  close(): void {
    this.inflater.close();
    this.transport.destroy();
  }

  private async handle(f: Frame): Promise<void> {
    if (f.kind === 'data') {
      const s = this.streams.get(f.streamId)?.stream;
      if (!s) return;
      if (f.data.length > 0) s.emit('data', f.data);
      if (f.flags & FLAG_FIN) s.emit('end');
      return;
    }
    const p = f.payload;
    const id = p.length >= 4 ? p.readUInt32BE(0) & 0x7fffffff : 0;
    switch (f.type) {
      case FrameType.SYN_REPLY:
        decodeHeaderBlock(await this.inflater.decompress(p.subarray(4)));
        this.streams.get(id)?.replied(true);
        return;
      case FrameType.RST_STREAM: {
        const s = this.streams.get(id);
        s?.replied(false);
        s?.stream.emit('reset');
        return;
      }
      case FrameType.PING:
        this.pings.get(id)?.();
        return;
      case FrameType.GOAWAY:
        this.onGoAway();
        return;
      default:
        return;
    }
  }
}
