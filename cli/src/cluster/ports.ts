// Where each process of a local cluster listens. The default plan uses the ports every component
// defaults to (etcd 2379/2380, apiserver 6444/6445, scheduler 10259, controller-manager 10257,
// kubelets 10250/10248, each kubelet on its own loopback address 127.0.0.<1+i>, kube-proxy 10249,
// DNS 53 (UDP and TCP) + 9153, ingress 80 on the node addresses + 10254); `auto` asks the kernel for
// free ports so several clusters can run side by side on one machine (their nodes on their own
// loopback addresses, so each ingress controller can still take port 80).

import dgram from 'node:dgram';
import net from 'node:net';
import { DEFAULT_NODE_ADDRESS_PREFIX, nodeAddressIn } from './network-plan.js';

export const CONTROL_PLANE_HOST = '127.0.0.1';
export const MAX_NODES = 100;

export type PortMode = 'default' | 'auto';

export interface KubeletPorts {
  /** The node's loopback address: its InternalIP, where the kubelet binds both ports. */
  address: string;
  port: number;
  httpPort: number;
}

export interface PortPlan {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  apiserverHttp: number;
  /** The apiserver's Kubernetes REST API (HTTPS); absent in clusters recorded before it. */
  apiserverSecure?: number;
  scheduler: number;
  controllerManager: number;
  kubelets: KubeletPorts[];
  /** kube-proxy's /metrics, /healthz, /readyz (on 127.0.0.1). */
  kubeProxy: number;
  /** The DNS server's port, UDP and TCP, on every address of the host. */
  dns: number;
  /** The DNS server's metrics and health port. */
  dnsHttp: number;
  /** The ingress controller's HTTP port on each node address. */
  ingress: number;
  /** The ingress controller's metrics and health port (on 127.0.0.1). */
  ingressHttp: number;
}

/** Where the DNS server listens (both protocols) and the other node-wide services' metrics. */
export const ALL_ADDRESSES = '0.0.0.0';

/** A port a cluster needs, with what it is for (for error messages). */
export interface PortUse {
  host: string;
  port: number;
  purpose: string;
  /** Default TCP. */
  protocol?: 'tcp' | 'udp';
}

/** The loopback address of node i (1-based): node 1 is <prefix>.2, node 2 is <prefix>.3, ... (prefix 127.0.0 by default). */
export function nodeAddress(i: number, prefix: string = DEFAULT_NODE_ADDRESS_PREFIX): string {
  return nodeAddressIn(prefix, i, MAX_NODES);
}

export function defaultPortPlan(nodes: number, nodeAddressPrefix: string = DEFAULT_NODE_ADDRESS_PREFIX): PortPlan {
  return {
    etcdClient: 2379,
    etcdPeer: 2380,
    apiserver: 6444,
    apiserverHttp: 6445,
    apiserverSecure: 6443,
    scheduler: 10259,
    controllerManager: 10257,
    kubelets: Array.from({ length: nodes }, (_, k) => ({ address: nodeAddress(k + 1, nodeAddressPrefix), port: 10250, httpPort: 10248 })),
    kubeProxy: 10249,
    dns: 53,
    dnsHttp: 9153,
    ingress: 80,
    ingressHttp: 10254,
  };
}

/** Every (host, port) the plan binds, labelled. */
export function portUses(plan: PortPlan): PortUse[] {
  const h = CONTROL_PLANE_HOST;
  return [
    { host: h, port: plan.etcdClient, purpose: 'etcd client' },
    { host: h, port: plan.etcdPeer, purpose: 'etcd peer' },
    { host: h, port: plan.apiserver, purpose: 'apiserver gRPC' },
    { host: h, port: plan.apiserverHttp, purpose: 'apiserver http' },
    ...(plan.apiserverSecure === undefined ? [] : [{ host: h, port: plan.apiserverSecure, purpose: 'apiserver https (Kubernetes API)' }]),
    { host: h, port: plan.scheduler, purpose: 'scheduler http' },
    { host: h, port: plan.controllerManager, purpose: 'controller-manager http' },
    ...plan.kubelets.flatMap((k, i) => [
      { host: k.address, port: k.port, purpose: `kubelet ${i + 1} gRPC` },
      { host: k.address, port: k.httpPort, purpose: `kubelet ${i + 1} http` },
    ]),
    // Recorded by clusters from before the networking components: absent there.
    ...(plan.kubeProxy === undefined
      ? []
      : [
          { host: h, port: plan.kubeProxy, purpose: 'kube-proxy http' },
          { host: ALL_ADDRESSES, port: plan.dns, purpose: 'DNS (TCP)' },
          { host: ALL_ADDRESSES, port: plan.dns, purpose: 'DNS (UDP)', protocol: 'udp' as const },
          { host: ALL_ADDRESSES, port: plan.dnsHttp, purpose: 'DNS http' },
          ...plan.kubelets.map((k) => ({ host: k.address, port: plan.ingress, purpose: 'ingress' })),
          { host: h, port: plan.ingressHttp, purpose: 'ingress-controller http' },
        ]),
  ];
}

/** Uses that bind the same host and port twice (a plan must have none). */
export function duplicateUses(uses: readonly PortUse[]): PortUse[] {
  const seen = new Set<string>();
  const dups: PortUse[] = [];
  for (const u of uses) {
    const key = `${u.protocol ?? 'tcp'}:${u.host}:${u.port}`;
    if (seen.has(key)) dups.push(u);
    seen.add(key);
  }
  return dups;
}

function listen(host: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function close(server: net.Server | dgram.Socket): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function bindUdp(host: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    socket.unref();
    socket.once('error', (e) => {
      socket.close();
      reject(e);
    });
    socket.bind({ address: host, port, exclusive: true }, () => resolve(socket));
  });
}

/** The uses whose port is already taken (binding it fails with EADDRINUSE or similar). */
export async function takenPorts(uses: readonly PortUse[]): Promise<Array<PortUse & { error: string }>> {
  const taken: Array<PortUse & { error: string }> = [];
  for (const use of uses) {
    try {
      await close(use.protocol === 'udp' ? await bindUdp(use.host, use.port) : await listen(use.host, use.port));
    } catch (e) {
      taken.push({ ...use, error: (e as NodeJS.ErrnoException).code ?? String(e) });
    }
  }
  return taken;
}

/**
 * A plan of free ports: each is bound (port 0, the kernel picks) and held until all are chosen, so
 * no two are the same; they are released on return, for the components to bind a moment later.
 * The nodes take the loopback addresses under `nodeAddressPrefix`; the ingress controller takes
 * port 80 on them.
 */
export async function autoPortPlan(nodes: number, nodeAddressPrefix: string = DEFAULT_NODE_ADDRESS_PREFIX): Promise<PortPlan> {
  const held: Array<net.Server | dgram.Socket> = [];
  const pick = async (host: string): Promise<number> => {
    const server = await listen(host, 0);
    held.push(server);
    return (server.address() as net.AddressInfo).port;
  };
  /** A port free for both TCP and UDP on every address (the DNS server's). */
  const pickTcpAndUdp = async (): Promise<number> => {
    for (let attempt = 0; ; attempt++) {
      const port = await pick(ALL_ADDRESSES);
      try {
        held.push(await bindUdp(ALL_ADDRESSES, port));
        return port;
      } catch (e) {
        if (attempt >= 20) throw e;
      }
    }
  };
  try {
    const h = CONTROL_PLANE_HOST;
    const plan: PortPlan = {
      etcdClient: await pick(h),
      etcdPeer: await pick(h),
      apiserver: await pick(h),
      apiserverHttp: await pick(h),
      apiserverSecure: await pick(h),
      scheduler: await pick(h),
      controllerManager: await pick(h),
      kubelets: [],
      kubeProxy: await pick(h),
      dns: await pickTcpAndUdp(),
      dnsHttp: await pick(ALL_ADDRESSES),
      ingress: 80,
      ingressHttp: await pick(h),
    };
    for (let i = 1; i <= nodes; i++) {
      const address = nodeAddress(i, nodeAddressPrefix);
      plan.kubelets.push({ address, port: await pick(address), httpPort: await pick(address) });
    }
    return plan;
  } finally {
    await Promise.all(held.map(close));
  }
}
