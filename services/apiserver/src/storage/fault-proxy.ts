// A loopback TCP proxy for fault tests: clients connect to `endpoint` and are forwarded to the
// target; `cut()` drops every connection and refuses new ones (the client sees its server vanish
// while the server itself keeps running, so other clients can change it meanwhile), `restore()`
// lets connections through again.

import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** `target` is a URL such as `http://127.0.0.1:2379` (only host and port are used). */
export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let open = true;

  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    cut(): void {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore(): void {
      open = true;
    },
    async close(): Promise<void> {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
