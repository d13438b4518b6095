// The transports, and nothing else: UDP (one datagram, one answer) and TCP (RFC 1035 4.2.2: each
// message behind a 2-byte length; RFC 7766: several queries per connection, answered in order,
// idle connections closed) on the same port. Port 0 picks a free port that is free for both.

import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '@skiff/component';
import type { Handler } from './handler.js';

export interface DnsServerOptions {
  host: string;
  /** 0 picks a port free for both UDP and TCP. */
  port: number;
  handle: Handler;
  log: Logger;
  /** An idle TCP connection is closed after this long (RFC 7766 6.2.3: seconds, not minutes). */
  tcpIdleTimeoutMs?: number;
  /**
   * Addresses that also get a UDP socket of their own on the same port, when `host` is a wildcard.
   * A socket bound to 0.0.0.0 answers from whatever address routing picks (a pod's bridge gateway),
   * so a query kube-proxy DNATed to the advertise address would be answered from another address,
   * which conntrack cannot match to the query: the pod never sees the answer. A socket bound to the
   * advertise address answers from it.
   */
  udpReplyAddresses?: readonly string[];
}

export interface DnsServer {
  readonly port: number;
  close(): Promise<void>;
}

const DEFAULT_TCP_IDLE_TIMEOUT_MS = 10_000;
const FREE_PORT_ATTEMPTS = 10;

function family(f: string | number | undefined): 1 | 2 {
  return f === 'IPv6' || f === 6 ? 2 : 1;
}

/** The handler, never throwing: a bug costs one query, not the server. */
function safely(opts: DnsServerOptions, message: Buffer, transport: Parameters<Handler>[1]): Buffer | undefined {
  try {
    return opts.handle(message, transport);
  } catch (e) {
    opts.log.error({ err: e instanceof Error ? e.message : String(e), proto: transport.proto }, 'handling a message failed');
    return undefined;
  }
}

function bindUdp(host: string, port: number, opts: DnsServerOptions): Promise<dgram.Socket> {
  // reuseAddr lets the wildcard socket and the per-address ones share the port (Linux delivers a
  // datagram to the most specific socket).
  const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: (opts.udpReplyAddresses ?? []).length > 0 });
  socket.on('message', (msg, rinfo) => {
    const reply = safely(opts, msg, { proto: 'udp', family: family(rinfo.family) });
    if (reply) socket.send(reply, rinfo.port, rinfo.address, (err) => err && opts.log.debug({ err: err.message }, 'udp send failed'));
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      socket.on('error', (err) => opts.log.warn({ err: err.message }, 'udp socket error'));
      resolve(socket);
    });
  });
}

function serveConnection(conn: net.Socket, opts: DnsServerOptions): void {
  let pending: Buffer = Buffer.alloc(0);
  conn.setNoDelay(true);
  conn.setTimeout(opts.tcpIdleTimeoutMs ?? DEFAULT_TCP_IDLE_TIMEOUT_MS, () => conn.destroy());
  conn.on('error', (err) => opts.log.debug({ err: err.message }, 'tcp connection error'));
  conn.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const length = pending.readUInt16BE(0);
      if (pending.length < 2 + length) break;
      const message = pending.subarray(2, 2 + length);
      pending = pending.subarray(2 + length);
      const reply = safely(opts, message, { proto: 'tcp', family: family(conn.remoteFamily) });
      if (!reply) continue;
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(reply.length);
      conn.write(Buffer.concat([prefix, reply]));
    }
  });
}

function listenTcp(host: string, port: number, opts: DnsServerOptions, connections: Set<net.Socket>): Promise<net.Server> {
  const server = net.createServer((conn) => {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    serveConnection(conn, opts);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const connections = new Set<net.Socket>();
  for (let attempt = 1; ; attempt++) {
    const udp = await bindUdp(opts.host, opts.port, opts);
    const port = udp.address().port;
    let tcp: net.Server;
    try {
      tcp = await listenTcp(opts.host, port, opts, connections);
    } catch (e) {
      udp.close();
      // The free UDP port may be taken for TCP: pick another one.
      if (opts.port === 0 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < FREE_PORT_ATTEMPTS) continue;
      throw e;
    }
    const extra: dgram.Socket[] = [];
    try {
      for (const address of opts.udpReplyAddresses ?? []) extra.push(await bindUdp(address, port, opts));
    } catch (e) {
      for (const sock of [udp, ...extra]) sock.close();
      await new Promise<void>((r) => tcp.close(() => r()));
      throw e;
    }
    return {
      port,
      close: async () => {
        for (const conn of connections) conn.destroy();
        await Promise.all([...[udp, ...extra].map((sock) => new Promise<void>((r) => sock.close(() => r()))), new Promise<void>((r) => tcp.close(() => r()))]);
      },
    };
  }
}
