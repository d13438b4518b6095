// One TCP listener of userspace mode (after Kubernetes' old pkg/proxy/userspace/proxysocket.go):
// accepts on ClusterIP:port (or a node address:nodePort), connects to an endpoint chosen by the
// service port's RoundRobin, trying the next one when a connect fails, and copies bytes both ways
// with half-close passed through. With no ready endpoint the client is reset at once.

import type dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '@skiff/component';
import type { EndpointInfo } from '../endpoints.js';
import type { RoundRobin } from './load-balancer.js';

export interface ProxySocketOptions {
  /** How long one connect attempt to an endpoint may take before the next endpoint is tried. */
  connectTimeoutMs: number;
  log: Logger;
}

/** Runs `bind` and resolves once the server listens (rejects with its error, e.g. EADDRINUSE). */
export function listen(server: net.Server | dgram.Socket, bind: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    server.once('listening', () => {
      server.removeListener('error', onError);
      resolve();
    });
    bind();
  });
}

export class TcpProxySocket {
  private readonly server: net.Server;
  private readonly open = new Set<net.Socket>();

  private constructor(
    readonly ip: string,
    readonly port: number,
    public balancer: RoundRobin,
    private readonly opts: ProxySocketOptions,
  ) {
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => this.handle(client));
  }

  static async listen(ip: string, port: number, balancer: RoundRobin, opts: ProxySocketOptions): Promise<TcpProxySocket> {
    const s = new TcpProxySocket(ip, port, balancer, opts);
    await listen(s.server, () => s.server.listen({ host: ip, port, backlog: 1024 }));
    s.server.on('error', (e) => opts.log.error({ err: e, ip, port }, 'listener error'));
    return s;
  }

  private track(sock: net.Socket): void {
    this.open.add(sock);
    sock.once('close', () => this.open.delete(sock));
  }

  private handle(client: net.Socket): void {
    this.track(client);
    client.on('error', () => undefined);
    const clientIP = client.remoteAddress;
    const candidates = this.balancer.candidates(clientIP);
    if (candidates.length === 0) {
      client.resetAndDestroy();
      return;
    }
    const attempt = (i: number): void => {
      const ep = candidates[i];
      if (ep === undefined || client.destroyed) {
        if (ep === undefined) this.opts.log.warn({ ip: this.ip, port: this.port, tried: candidates.length }, 'no endpoint accepted the connection');
        client.resetAndDestroy();
        return;
      }
      this.connect(client, ep, clientIP, () => attempt(i + 1));
    };
    attempt(0);
  }

  private connect(client: net.Socket, ep: EndpointInfo, clientIP: string | undefined, next: () => void): void {
    const upstream = net.connect({ host: ep.ip, port: ep.port, allowHalfOpen: true, noDelay: true, timeout: this.opts.connectTimeoutMs });
    let connected = false;
    const onTimeout = (): void => {
      upstream.destroy(new Error(`connect to ${ep.ip}:${ep.port} timed out`));
    };
    upstream.once('timeout', onTimeout);
    const onClientGone = (): void => {
      if (!connected) upstream.destroy();
    };
    client.once('close', onClientGone);
    upstream.once('error', (e) => {
      if (connected) return;
      client.removeListener('close', onClientGone);
      this.opts.log.debug({ err: e, endpoint: `${ep.ip}:${ep.port}` }, 'connect to endpoint failed, trying the next');
      next();
    });
    upstream.once('connect', () => {
      upstream.setTimeout(0);
      upstream.removeListener('timeout', onTimeout);
      connected = true;
      this.balancer.served(clientIP, ep);
      // The client's close (tracked) takes the upstream down with it, and the other way round.
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  /** Stops accepting; with `dropConnections`, also cuts the connections in flight. */
  async close(dropConnections = false): Promise<void> {
    if (dropConnections) for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
