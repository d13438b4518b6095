// Where each process of a local cluster listens. The default plan uses the ports every component
// defaults to (etcd 2379/2380, apiserver 6444/6445, scheduler 10259, controller-manager 10257,
// kubelets 10250/10248, each kubelet on its own loopback address 127.0.0.<1+i>); `auto` asks the
// kernel for free ports so several clusters can run side by side on one machine.

import net from 'node:net';

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
  scheduler: number;
  controllerManager: number;
  kubelets: KubeletPorts[];
}

/** A port a cluster needs, with what it is for (for error messages). */
export interface PortUse {
  host: string;
  port: number;
  purpose: string;
}

/** The loopback address of node i (1-based): node 1 is 127.0.0.2, node 2 is 127.0.0.3, ... */
export function nodeAddress(i: number): string {
  if (!Number.isInteger(i) || i < 1 || i > MAX_NODES) throw new RangeError(`node index ${i} out of range 1..${MAX_NODES}`);
  return `127.0.0.${1 + i}`;
}

export function defaultPortPlan(nodes: number): PortPlan {
  return {
    etcdClient: 2379,
    etcdPeer: 2380,
    apiserver: 6444,
    apiserverHttp: 6445,
    scheduler: 10259,
    controllerManager: 10257,
    kubelets: Array.from({ length: nodes }, (_, k) => ({ address: nodeAddress(k + 1), port: 10250, httpPort: 10248 })),
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
    { host: h, port: plan.scheduler, purpose: 'scheduler http' },
    { host: h, port: plan.controllerManager, purpose: 'controller-manager http' },
    ...plan.kubelets.flatMap((k, i) => [
      { host: k.address, port: k.port, purpose: `kubelet ${i + 1} gRPC` },
      { host: k.address, port: k.httpPort, purpose: `kubelet ${i + 1} http` },
    ]),
  ];
}

/** Uses that bind the same host and port twice (a plan must have none). */
export function duplicateUses(uses: readonly PortUse[]): PortUse[] {
  const seen = new Set<string>();
  const dups: PortUse[] = [];
  for (const u of uses) {
    const key = `${u.host}:${u.port}`;
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

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The uses whose port is already taken (binding it fails with EADDRINUSE or similar). */
export async function takenPorts(uses: readonly PortUse[]): Promise<Array<PortUse & { error: string }>> {
  const taken: Array<PortUse & { error: string }> = [];
  for (const use of uses) {
    try {
      await close(await listen(use.host, use.port));
    } catch (e) {
      taken.push({ ...use, error: (e as NodeJS.ErrnoException).code ?? String(e) });
    }
  }
  return taken;
}

/**
 * A plan of free ports: each is bound (port 0, the kernel picks) and held until all are chosen, so
 * no two are the same; they are released on return, for the components to bind a moment later.
 */
export async function autoPortPlan(nodes: number): Promise<PortPlan> {
  const held: net.Server[] = [];
  const pick = async (host: string): Promise<number> => {
    const server = await listen(host, 0);
    held.push(server);
    return (server.address() as net.AddressInfo).port;
  };
  try {
    const h = CONTROL_PLANE_HOST;
    const plan: PortPlan = {
      etcdClient: await pick(h),
      etcdPeer: await pick(h),
      apiserver: await pick(h),
      apiserverHttp: await pick(h),
      scheduler: await pick(h),
      controllerManager: await pick(h),
      kubelets: [],
    };
    for (let i = 1; i <= nodes; i++) {
      const address = nodeAddress(i);
      plan.kubelets.push({ address, port: await pick(address), httpPort: await pick(address) });
    }
    return plan;
  } finally {
    await Promise.all(held.map(close));
  }
}
