// userspace mode, for hosts where iptables cannot be used (after Kubernetes' old
// pkg/proxy/userspace): every ClusterIP is put on `lo` so this host owns it, and Node listeners
// (`net` for TCP, `dgram` for UDP) on ClusterIP:port, on every node address:nodePort and on the
// Service's external and load-balancer IPs forward to a ready endpoint. Pods reach a ClusterIP
// through their gateway (this host). A service port with no ready endpoint has no listener, so a
// connection to it is refused by the kernel, as iptables mode REJECTs it.

import type { Logger } from '@skiff/component';
import type { Clock } from '@skiff/machinery';
import type { Proxier, ProxySnapshot, SyncStats } from '../proxier.js';
import type { ServicePortInfo } from '../service-port.js';
import type { AddressProgrammer } from './address-programmer.js';
import { RoundRobin } from './load-balancer.js';
import { TcpProxySocket } from './tcp-proxy.js';
import { UdpProxySocket } from './udp-proxy.js';

export interface UserspaceProxierOptions {
  addresses: AddressProgrammer;
  clock: Pick<Clock, 'now'>;
  log: Logger;
  /** Idle UDP client sessions are closed after this long (Kubernetes' --udp-timeout, 250 ms). */
  udpIdleTimeoutMs?: number;
  /** One connect attempt to an endpoint may take this long before the next is tried. */
  connectTimeoutMs?: number;
}

interface Wanted {
  servicePort: string;
  protocol: 'TCP' | 'UDP';
  ip: string;
  port: number;
}

type Listener = { protocol: 'TCP'; socket: TcpProxySocket; servicePort: string } | { protocol: 'UDP'; socket: UdpProxySocket; servicePort: string };

export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 250;
const DEFAULT_CONNECT_TIMEOUT_MS = 1000;

function listenerKey(protocol: string, ip: string, port: number): string {
  return `${protocol} ${ip}:${port}`;
}

export class UserspaceProxier implements Proxier {
  readonly mode = 'userspace';
  private readonly balancers = new Map<string, RoundRobin>();
  private readonly listeners = new Map<string, Listener>();
  private readonly failing = new Map<string, string>();
  private ours: Set<string> | undefined;

  constructor(private readonly opts: UserspaceProxierOptions) {}

  /** The addresses listened on, as "PROTO ip:port" (for tests and logs). */
  listening(): string[] {
    return [...this.listeners.keys()].sort();
  }

  async sync(snap: ProxySnapshot): Promise<SyncStats> {
    const { addresses, log } = this.opts;
    this.ours ??= new Set(await addresses.list());

    // 1. Own every ClusterIP, so that nothing sent to one leaves the host.
    const clusterIPs = new Set<string>();
    for (const svc of snap.services.values()) clusterIPs.add(svc.clusterIP);
    for (const ip of clusterIPs) {
      if (this.ours.has(ip)) continue;
      await addresses.add(ip);
      this.ours.add(ip);
    }

    // 2. Endpoints per service port.
    let endpointCount = 0;
    for (const [key, svc] of snap.services) {
      const eps = snap.endpoints.get(key) ?? [];
      endpointCount += eps.length;
      let rr = this.balancers.get(key);
      if (!rr) this.balancers.set(key, (rr = new RoundRobin(this.opts.clock)));
      rr.update(eps, svc.stickyMaxAgeSeconds);
    }
    for (const key of [...this.balancers.keys()]) if (!snap.services.has(key)) this.balancers.delete(key);

    // 3. Listeners: for service ports with a ready endpoint.
    const wanted = new Map<string, Wanted>();
    for (const [key, svc] of snap.services) {
      if ((snap.endpoints.get(key)?.length ?? 0) === 0) continue;
      for (const w of this.listenAddresses(key, svc, snap.nodeAddresses)) wanted.set(listenerKey(w.protocol, w.ip, w.port), w);
    }
    for (const [lk, l] of [...this.listeners]) {
      const w = wanted.get(lk);
      if (w && w.servicePort === l.servicePort) continue;
      this.listeners.delete(lk);
      await l.socket.close();
    }
    for (const [lk, w] of wanted) {
      const rr = this.balancers.get(w.servicePort) as RoundRobin;
      const existing = this.listeners.get(lk);
      if (existing) {
        existing.socket.balancer = rr;
        if (existing.protocol === 'UDP') existing.socket.dropSessionsNotIn(snap.endpoints.get(w.servicePort) ?? []);
        continue;
      }
      try {
        const listener: Listener =
          w.protocol === 'TCP'
            ? { protocol: 'TCP', servicePort: w.servicePort, socket: await TcpProxySocket.listen(w.ip, w.port, rr, { connectTimeoutMs: this.opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, log }) }
            : { protocol: 'UDP', servicePort: w.servicePort, socket: await UdpProxySocket.listen(w.ip, w.port, rr, { idleTimeoutMs: this.opts.udpIdleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS, log }) };
        this.listeners.set(lk, listener);
        if (this.failing.delete(lk)) log.info({ listener: lk }, 'listening now');
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        if (this.failing.get(lk) !== why) log.warn({ listener: lk, servicePort: w.servicePort, err: e }, 'cannot listen: will retry on the next sync');
        this.failing.set(lk, why);
      }
    }
    for (const lk of [...this.failing.keys()]) if (!wanted.has(lk)) this.failing.delete(lk);

    // 4. Give back the ClusterIPs no Service uses any more.
    for (const ip of [...this.ours]) {
      if (clusterIPs.has(ip)) continue;
      await addresses.remove(ip);
      this.ours.delete(ip);
    }
    return { servicePorts: snap.services.size, endpoints: endpointCount, listeners: this.listeners.size };
  }

  private listenAddresses(key: string, svc: ServicePortInfo, nodeAddresses: readonly string[]): Wanted[] {
    const out: Wanted[] = [{ servicePort: key, protocol: svc.protocol, ip: svc.clusterIP, port: svc.port }];
    for (const ip of [...svc.externalIPs, ...svc.loadBalancerIPs]) out.push({ servicePort: key, protocol: svc.protocol, ip, port: svc.port });
    if (svc.nodePort !== 0) for (const ip of nodeAddresses) out.push({ servicePort: key, protocol: svc.protocol, ip, port: svc.nodePort });
    return out;
  }

  async shutdown(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((l) => (l.protocol === 'TCP' ? l.socket.close(true) : l.socket.close())));
  }
}

