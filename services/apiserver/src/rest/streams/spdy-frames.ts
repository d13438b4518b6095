// SPDY/3.1 framing (the protocol kubectl's port-forward speaks, through moby/spdystream): frame
// encoding and decoding, and the name/value header blocks with their zlib compression over the
// SPDY/3 dictionary (one zlib stream per direction per connection).
//
// spdy-transport, the npm implementation, refuses SYN_STREAMs without HTTP's `:method`/`:path`
// (spdystream sends only `streamtype`, `port`, `requestid`) and holds data back on SPDY/3.1
// flow-control windows that spdystream never opens; so Skiff frames SPDY itself. Outgoing header
// blocks are deflate "stored" blocks (valid zlib, no compression needed for a few bytes), which
// keeps writing synchronous; incoming ones are inflated with node:zlib, in order.

import { createInflate, constants as zc, type Inflate } from 'node:zlib';

export const SPDY_VERSION = 3;

export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RstStatus = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6, STREAM_ALREADY_CLOSED: 9 } as const;

/** The largest frame payload accepted (the field is 24 bits; spdystream's are far smaller). */
export const MAX_FRAME_LENGTH = 1 << 24;

export type Headers = Record<string, string>;

export type Frame =
  | { kind: 'data'; streamId: number; flags: number; data: Buffer }
  | { kind: 'control'; type: number; flags: number; payload: Buffer };

const WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The zlib dictionary of SPDY/3 header blocks (the SPDY/3 draft, section 2.6.10.1). */
export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...WORDS.map((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return Buffer.concat([len, Buffer.from(w, 'latin1')]);
  }),
  Buffer.from(TAIL, 'latin1'),
]);

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(payload.length, 4);
  head.writeUInt8(flags, 4);
  return Buffer.concat([head, payload]);
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(data.length, 4);
  head.writeUInt8(flags, 4);
  return Buffer.concat([head, data]);
}

/** Splits complete frames off the front of `buf`; `rest` is what is left for the next read. */
export function parseFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 8) {
    const length = buf.readUInt32BE(off + 4) & 0xffffff;
    if (buf.length - off < 8 + length) break;
    const flags = buf.readUInt8(off + 4);
    const body = buf.subarray(off + 8, off + 8 + length);
    const first = buf.readUInt32BE(off);
    if (first & 0x80000000) {
      const version = (first >>> 16) & 0x7fff;
      if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version}`);
      frames.push({ kind: 'control', type: first & 0xffff, flags, payload: Buffer.from(body) });
    } else {
      frames.push({ kind: 'data', streamId: first & 0x7fffffff, flags, data: Buffer.from(body) });
    }
    off += 8 + length;
  }
  return { frames, rest: buf.subarray(off) };
}

/** An uncompressed name/value block: lower-case names (spdystream rejects others). */
export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [];
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const entries = Object.entries(headers);
  parts.push(u32(entries.length));
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Headers {
  const out: Headers = {};
  if (block.length < 4) throw new Error('short SPDY header block');
  const count = block.readUInt32BE(0);
  let off = 4;
  const take = (): string => {
    if (off + 4 > block.length) throw new Error('short SPDY header block');
    const len = block.readUInt32BE(off);
    off += 4;
    if (off + len > block.length) throw new Error('short SPDY header block');
    const s = block.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take();
    // Several values of one name are NUL-separated; the first is the one used.
    out[name.toLowerCase()] = take().split('\0')[0] ?? '';
  }
  return out;
}

/** Compresses header blocks into one zlib stream (a connection's outgoing direction). */
export class HeaderDeflater {
  private started = false;

  compress(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      // zlib header: deflate, 32 KiB window, FDICT; then the dictionary's Adler-32.
      const head = Buffer.from([0x78, 0xbb, 0, 0, 0, 0]);
      head.writeUInt32BE(adler32(SPDY_DICTIONARY), 2);
      parts.push(head);
    }
    // A block is never empty (it starts with its pair count).
    for (let off = 0; off < block.length; off += 0xffff) {
      const chunk = block.subarray(off, off + 0xffff);
      // A non-final stored block: BFINAL=0, BTYPE=00, LEN, NLEN (as a sync flush ends).
      const head = Buffer.alloc(5);
      head.writeUInt16LE(chunk.length, 1);
      head.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(head, chunk);
    }
    // An empty stored block, as zlib's sync flush ends: Go's inflater hands out the data it has at
    // this marker instead of reading on into the next frame (which would break its stream).
    parts.push(Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }
}

/** Inflates the header blocks of one zlib stream (a connection's incoming direction), in order. */
export class HeaderInflater {
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY_DICTIONARY });
  private chain: Promise<unknown> = Promise.resolve();
  private failed: Error | undefined;

  constructor() {
    this.inflate.on('error', (e: Error) => {
      this.failed = e;
    });
  }

  decompress(compressed: Buffer): Promise<Buffer> {
    const run = (): Promise<Buffer> =>
      new Promise<Buffer>((resolve, reject) => {
        if (this.failed) return reject(this.failed);
        this.inflate.write(compressed);
        this.inflate.flush(zc.Z_SYNC_FLUSH, () => {
          if (this.failed) return reject(this.failed);
          const out: Buffer[] = [];
          for (let chunk = this.inflate.read() as Buffer | null; chunk !== null; chunk = this.inflate.read() as Buffer | null) out.push(chunk);
          resolve(Buffer.concat(out));
        });
      });
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.inflate.close();
  }
}
