// A fake kubelet gRPC server for the streaming subresources, with a node and a running pod that
// point at it: `Exec` understands `echo ARGS` (stdout), `cat` (stdin to stdout until stdin
// closes), `size` (prints each terminal resize), `exit N` (stderr `bye`, exit N); `PortForward`
// connects to 127.0.0.1 on the port asked for (the pod's IP is 127.0.0.1).

import { connect, createServer, type AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { Node, Pod } from '@skiff/api';
import {
  ApiClient,
  loadSkiffProto,
  type ExecInputMessage,
  type ExecOutputMessage,
  type PortForwardInputMessage,
  type PortForwardOutputMessage,
} from '@skiff/client';
import { startRestTestServer, type RestTestServer } from '../../testing/rest-test-server.js';

function fakeExec(call: grpc.ServerDuplexStream<ExecInputMessage, ExecOutputMessage>): void {
  let command: string[] = [];
  const exit = (code: number): void => {
    call.write({ exit: { exit_code: code, status_json: '' } });
    call.end();
  };
  call.on('data', (m: ExecInputMessage) => {
    if (m.input === 'start' && m.start) {
      command = m.start.command;
      if (command[0] === 'echo') {
        call.write({ stdout: Buffer.from(`${command.slice(1).join(' ')}\n`) });
        exit(0);
      } else if (command[0] === 'exit') {
        call.write({ stderr: Buffer.from('bye\n') });
        exit(Number(command[1] ?? '1'));
      }
    } else if (m.input === 'stdin' && m.stdin && command[0] === 'cat') call.write({ stdout: m.stdin });
    else if (m.input === 'resize' && m.resize && command[0] === 'size') call.write({ stdout: Buffer.from(`${m.resize.width}x${m.resize.height}\n`) });
    else if (m.input === 'stdin_close') exit(0);
  });
  call.on('error', () => undefined);
}

function fakePortForward(call: grpc.ServerDuplexStream<PortForwardInputMessage, PortForwardOutputMessage>): void {
  let socket: ReturnType<typeof connect> | undefined;
  call.on('data', (m: PortForwardInputMessage) => {
    if (m.input === 'start' && m.start) {
      const port = m.start.port;
      socket = connect({ host: '127.0.0.1', port });
      socket.on('data', (b: Buffer) => call.write({ data: b }));
      socket.on('end', () => call.end());
      socket.on('error', (e: Error) => {
        call.write({ error: `error forwarding port ${port} to pod ${m.start?.name ?? ''}, uid ${m.start?.pod_uid ?? ''}: ${e.message}` });
        call.end();
      });
    } else if (m.input === 'data' && m.data) socket?.write(m.data);
    else if (m.input === 'close') socket?.end();
  });
  call.on('end', () => socket?.end());
  call.on('cancelled', () => socket?.destroy());
  call.on('error', () => socket?.destroy());
}

/**
 * A TCP server standing in for a port of the pod: when the client half-closes, it answers
 * `pod got N bytes: <the first 12>` and closes.
 */
export async function startFakePodPort(): Promise<{ port: number; close(): void }> {
  const server = createServer((c) => {
    let got = '';
    c.on('data', (b: Buffer) => (got += b.toString()));
    c.on('end', () => c.end(`pod got ${got.length} bytes: ${got.slice(0, 12)}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

export interface FakeKubelet {
  port: number;
  stop(): void;
}

export async function startFakeKubelet(): Promise<FakeKubelet> {
  const server = new grpc.Server();
  server.addService(loadSkiffProto().Kubelet.service, { ContainerLogs: () => undefined, Exec: fakeExec, PortForward: fakePortForward });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  return { port, stop: () => server.forceShutdown() };
}

/** Registers node `name` whose kubelet is the fake. */
export async function fakeNode(api: ApiClient, name: string, kubeletPort: number): Promise<void> {
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } },
  };
  await api.create('nodes', node);
}

/** A pod bound to `node`, Running with its containers running and pod IP 127.0.0.1. */
export async function runningPod(api: ApiClient, name: string, node: string, o: { containers?: string[]; labels?: Record<string, string> } = {}): Promise<Pod> {
  const containers = o.containers ?? ['main'];
  await api.create<Pod>('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(o.labels ? { labels: o.labels } : {}) },
    spec: { containers: containers.map((c) => ({ name: c, image: 'x:1' })) },
  });
  await api.bind('default', name, node);
  const p = await api.get<Pod>('pods', 'default', name);
  const containerStatuses = containers.map((c) => ({ name: c, ready: true, restartCount: 0, image: 'x:1', imageID: '', state: { running: {} }, lastState: {} }));
  return api.updateStatus<Pod>('pods', { ...p, status: { ...p.status, phase: 'Running', podIP: '127.0.0.1', containerStatuses } });
}

export interface StreamsFixture {
  server: RestTestServer;
  api: ApiClient;
  kubelet: FakeKubelet;
  /** The fake pod port (startFakePodPort). */
  podPort: number;
  stop(): Promise<void>;
}

/** An in-process apiserver with node `stream-node` on the fake kubelet, Running pod `web` on it, and a fake pod port. */
export async function startStreamsFixture(o: { labels?: Record<string, string> } = {}): Promise<StreamsFixture> {
  const server = await startRestTestServer();
  const api = new ApiClient({ server: server.apiserver.address, timeoutMs: 5_000 });
  const kubelet = await startFakeKubelet();
  await fakeNode(api, 'stream-node', kubelet.port);
  await runningPod(api, 'web', 'stream-node', o.labels ? { labels: o.labels } : {});
  const pod = await startFakePodPort();
  return {
    server,
    api,
    kubelet,
    podPort: pod.port,
    stop: async () => {
      api.close();
      kubelet.stop();
      pod.close();
      await server.stop();
    },
  };
}
