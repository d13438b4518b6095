// The server side of one SPDY/3.1 connection over any Duplex (the upgraded socket, or a WebSocket
// stream carrying SPDY in binary messages): streams the client opens are accepted with a
// SYN_REPLY and handed out as `SpdyStream`s; pings are answered; WINDOW_UPDATEs are given for the
// data read (spdystream ignores them, other clients need them) and never waited for.

import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  controlFrame,
  dataFrame,
  decodeHeaderBlock,
  encodeHeaderBlock,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FrameType,
  HeaderDeflater,
  HeaderInflater,
  parseFrames,
  RstStatus,
  type Frame,
  type Headers,
} from './spdy-frames.js';

/** The largest DATA frame written. */
const MAX_DATA_CHUNK = 32 * 1024;
/** Largest unparsed input kept (a frame announcing more is a protocol error). */
const MAX_BUFFERED = 2 * 1024 * 1024;

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

/** One stream the client opened. Events: `data` (Buffer), `end` (the client's FIN), `reset`, `close`. */
export class SpdyStream extends EventEmitter {
  /** The client sent FIN (or the stream was reset). */
  remoteClosed = false;
  /** This side sent FIN (or the stream was reset). */
  localClosed = false;

  constructor(
    readonly id: number,
    readonly headers: Headers,
    private readonly session: SpdySession,
  ) {
    super();
  }

  /** Writes data; false when the connection's buffer is full (wait for the session's `drain`). */
  write(data: Buffer): boolean {
    if (this.localClosed || data.length === 0) return true;
    let ok = true;
    for (let off = 0; off < data.length; off += MAX_DATA_CHUNK) ok = this.session.send(dataFrame(this.id, 0, data.subarray(off, off + MAX_DATA_CHUNK)));
    return ok;
  }

  /** Half-closes: FIN after what was written. */
  end(data?: Buffer): void {
    if (this.localClosed) return;
    if (data && data.length > 0) this.write(data);
    this.localClosed = true;
    this.session.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
    this.session.settle(this);
  }

  /** Aborts the stream both ways (RST_STREAM CANCEL). */
  reset(): void {
    if (this.localClosed && this.remoteClosed) return;
    this.session.send(controlFrame(FrameType.RST_STREAM, 0, u32(this.id, RstStatus.CANCEL)));
    this.closeBoth();
  }

  /** @internal */
  closeBoth(): void {
    const wasOpen = !this.localClosed || !this.remoteClosed;
    this.localClosed = true;
    this.remoteClosed = true;
    if (wasOpen) this.emit('reset');
    this.session.settle(this);
  }
}

export interface SpdySessionOptions {
  /** A stream the client opened (already accepted). */
  onStream(stream: SpdyStream): void;
  onError?(err: Error): void;
}

/** Events: `drain` (the transport can take more), `close`. */
export class SpdySession extends EventEmitter {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly deflater = new HeaderDeflater();
  private readonly inflater = new HeaderInflater();
  private pending: Buffer = Buffer.alloc(0);
  /** Frames are handled one at a time, in order (header blocks inflate asynchronously). */
  private handling: Promise<void> = Promise.resolve();
  private closed = false;
  private lastStreamId = 0;

  constructor(
    private readonly transport: Duplex,
    private readonly opts: SpdySessionOptions,
  ) {
    super();
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('drain', () => this.emit('drain'));
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', (e: Error) => {
      this.opts.onError?.(e);
      this.close();
    });
  }

  get open(): boolean {
    return !this.closed;
  }

  /** @internal Writes one frame. */
  send(frame: Buffer): boolean {
    if (this.closed || this.transport.destroyed) return true;
    return this.transport.write(frame);
  }

  /** @internal Forgets a stream that is closed both ways. */
  settle(s: SpdyStream): void {
    if (s.localClosed && s.remoteClosed && this.streams.get(s.id) === s) {
      this.streams.delete(s.id);
      s.emit('close');
    }
  }

  /** Sends GOAWAY and ends the connection. */
  goAway(): void {
    if (this.closed) return;
    this.send(controlFrame(FrameType.GOAWAY, 0, u32(this.lastStreamId, 0)));
    this.transport.end();
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) s.closeBoth();
    this.streams.clear();
    this.inflater.close();
    if (!this.transport.destroyed) this.transport.destroy();
    this.emit('close');
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    let parsed;
    try {
      parsed = parseFrames(this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk);
    } catch (e) {
      return this.fail(e);
    }
    this.pending = Buffer.from(parsed.rest);
    if (this.pending.length > MAX_BUFFERED) return this.fail(new Error('SPDY frame too large'));
    for (const f of parsed.frames) {
      this.handling = this.handling.then(() => (this.closed ? undefined : this.handle(f))).catch((e: unknown) => this.fail(e));
    }
  }

  private fail(e: unknown): void {
    this.opts.onError?.(e instanceof Error ? e : new Error(String(e)));
    this.goAway();
  }

  private async handle(f: Frame): Promise<void> {
    if (f.kind === 'data') {
      const s = this.streams.get(f.streamId);
      if (!s || s.remoteClosed) {
        if (!s) this.send(controlFrame(FrameType.RST_STREAM, 0, u32(f.streamId, RstStatus.INVALID_STREAM)));
        return;
      }
      if (f.data.length > 0) {
        this.send(controlFrame(FrameType.WINDOW_UPDATE, 0, u32(f.streamId, f.data.length)));
        this.send(controlFrame(FrameType.WINDOW_UPDATE, 0, u32(0, f.data.length)));
        s.emit('data', f.data);
      }
      if (f.flags & FLAG_FIN) this.remoteFin(s);
      return;
    }
    const p = f.payload;
    switch (f.type) {
      case FrameType.SYN_STREAM: {
        if (p.length < 10) throw new Error('short SYN_STREAM');
        const id = p.readUInt32BE(0) & 0x7fffffff;
        const headers = decodeHeaderBlock(await this.inflater.decompress(p.subarray(10)));
        // Client streams have odd ids, each larger than the last.
        if (id % 2 === 0 || id <= this.lastStreamId) {
          this.send(controlFrame(FrameType.RST_STREAM, 0, u32(id, RstStatus.PROTOCOL_ERROR)));
          return;
        }
        this.lastStreamId = id;
        const s = new SpdyStream(id, headers, this);
        this.streams.set(id, s);
        this.send(controlFrame(FrameType.SYN_REPLY, 0, Buffer.concat([u32(id), this.deflater.compress(encodeHeaderBlock({}))])));
        if (f.flags & FLAG_UNIDIRECTIONAL) s.localClosed = true;
        if (f.flags & FLAG_FIN) s.remoteClosed = true;
        this.opts.onStream(s);
        if (s.remoteClosed) s.emit('end');
        this.settle(s);
        return;
      }
      case FrameType.SYN_REPLY:
      case FrameType.HEADERS: {
        // Nothing to do with them, but their header blocks belong to the zlib stream.
        if (p.length >= 4) {
          await this.inflater.decompress(p.subarray(4));
          const s = this.streams.get(p.readUInt32BE(0) & 0x7fffffff);
          if (s && f.flags & FLAG_FIN) this.remoteFin(s);
        }
        return;
      }
      case FrameType.RST_STREAM: {
        if (p.length < 8) return;
        this.streams.get(p.readUInt32BE(0) & 0x7fffffff)?.closeBoth();
        return;
      }
      case FrameType.PING: {
        // Odd ids are the client's pings: echo them back.
        if (p.length >= 4 && p.readUInt32BE(0) % 2 === 1) this.send(controlFrame(FrameType.PING, 0, p.subarray(0, 4)));
        return;
      }
      case FrameType.GOAWAY: {
        this.transport.end();
        this.close();
        return;
      }
      default:
        // SETTINGS, WINDOW_UPDATE and unknown frames are ignored.
        return;
    }
  }

  private remoteFin(s: SpdyStream): void {
    if (s.remoteClosed) return;
    s.remoteClosed = true;
    s.emit('end');
    this.settle(s);
  }
}
