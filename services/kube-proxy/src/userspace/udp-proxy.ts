// One UDP listener of userspace mode (after Kubernetes' old pkg/proxy/userspace/proxysocket.go
// udpProxySocket): each client address gets its own upstream socket to an endpoint chosen by the
// service port's RoundRobin; replies go back from the service address; a client idle for
// `idleTimeoutMs` (Kubernetes' --udp-timeout, 250 ms by default) loses its upstream socket.

import dgram from 'node:dgram';
import type { Logger } from '@skiff/component';
import { endpointString, type EndpointInfo } from '../endpoints.js';
import type { RoundRobin } from './load-balancer.js';
import { listen } from './tcp-proxy.js';

interface Session {
  upstream: dgram.Socket;
  endpoint: EndpointInfo;
  timer: NodeJS.Timeout;
}

export class UdpProxySocket {
  private readonly socket: dgram.Socket;
  private readonly sessions = new Map<string, Session>();

  private constructor(
    readonly ip: string,
    readonly port: number,
    public balancer: RoundRobin,
    private readonly opts: { idleTimeoutMs: number; log: Logger },
  ) {
    this.socket = dgram.createSocket({ type: 'udp4' });
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
  }

  static async listen(ip: string, port: number, balancer: RoundRobin, opts: { idleTimeoutMs: number; log: Logger }): Promise<UdpProxySocket> {
    const s = new UdpProxySocket(ip, port, balancer, opts);
    await listen(s.socket, () => s.socket.bind({ address: ip, port, exclusive: true }));
    s.socket.on('error', (e) => opts.log.error({ err: e, ip, port }, 'udp listener error'));
    return s;
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let session = this.sessions.get(key);
    if (!session) {
      const ep = this.balancer.candidates(rinfo.address)[0];
      if (!ep) return;
      this.balancer.served(rinfo.address, ep);
      const upstream = dgram.createSocket({ type: 'udp4' });
      upstream.on('message', (reply) => {
        this.socket.send(reply, rinfo.port, rinfo.address);
        const s = this.sessions.get(key);
        if (s) s.timer.refresh();
      });
      upstream.on('error', (e) => {
        this.opts.log.debug({ err: e, endpoint: endpointString(ep) }, 'udp upstream error');
        this.drop(key);
      });
      session = { upstream, endpoint: ep, timer: setTimeout(() => this.drop(key), this.opts.idleTimeoutMs) };
      this.sessions.set(key, session);
    } else session.timer.refresh();
    session.upstream.send(msg, session.endpoint.port, session.endpoint.ip);
  }

  private drop(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    clearTimeout(s.timer);
    this.sessions.delete(key);
    try {
      s.upstream.close();
    } catch {
      // already closed
    }
  }

  /** Drops the client sessions whose endpoint is no longer ready (as flushing conntrack does in iptables mode). */
  dropSessionsNotIn(endpoints: readonly EndpointInfo[]): void {
    const live = new Set(endpoints.map(endpointString));
    for (const [key, s] of this.sessions) if (!live.has(endpointString(s.endpoint))) this.drop(key);
  }

  async close(): Promise<void> {
    for (const key of [...this.sessions.keys()]) this.drop(key);
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}
