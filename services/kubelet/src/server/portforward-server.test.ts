// Kubelet.PortForward over a real gRPC connection to a TCP server standing in for the pod (pod IP
// 127.0.0.1): bytes both ways, half-close, early data, and the errors kubectl prints.

import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { Pod } from '@skiff/api';
import { CHANNEL_OPTIONS, loadSkiffProto, type PortForwardInputMessage, type PortForwardOutputMessage, type PortForwardStartMessage } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { makePod } from '../testing/fixtures.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { serveLogs, type LogsServer } from './logs-server.js';
import { portForwardHandler, portForwardTarget } from './portforward-server.js';

interface Outcome {
  data: string;
  error?: string;
}

describe('Kubelet.PortForward (gRPC)', () => {
  const pods = new Map<string, Pod>();
  let server: LogsServer;
  let client: grpc.Client;
  let pod: Server;
  let podPort: number;

  const web = makePod({ name: 'web' });
  web.metadata.uid = 'uid-web';
  web.status = { ...web.status, phase: 'Running', podIP: '127.0.0.1' };
  const pending = makePod({ name: 'pending' });
  pending.metadata.uid = 'uid-pending';

  before(async () => {
    pods.set('default/web', web);
    pods.set('default/pending', pending);
    pod = createServer((c) => {
      let got = '';
      c.on('data', (b: Buffer) => (got += b.toString()));
      c.on('end', () => c.end(`got ${got.length} bytes: ${got.slice(0, 20)}`));
    });
    await new Promise<void>((r) => pod.listen(0, '127.0.0.1', r));
    podPort = (pod.address() as AddressInfo).port;
    server = await serveLogs({
      runtime: new FakeRuntime(),
      node: 'node-a',
      host: '127.0.0.1',
      port: 0,
      log: silentLogger(),
      handlers: { PortForward: portForwardHandler({ getPod: (ns, name) => pods.get(`${ns}/${name}`), log: silentLogger() }) },
    });
    const { Kubelet } = loadSkiffProto();
    client = new Kubelet(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  });

  after(async () => {
    client?.close();
    await server?.close();
    pod?.close();
  });

  function forward(start: PortForwardStartMessage, send: Buffer[]): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const call = (client as unknown as Record<string, () => grpc.ClientDuplexStream<Partial<PortForwardInputMessage>, PortForwardOutputMessage>>)['PortForward']!.call(client);
      const out: Outcome = { data: '' };
      call.on('data', (m: PortForwardOutputMessage) => {
        if (m.output === 'data' && m.data) out.data += m.data.toString();
        else if (m.output === 'error') out.error = m.error ?? '';
      });
      call.on('end', () => resolve(out));
      call.on('error', reject);
      call.write({ start });
      for (const b of send) call.write({ data: b });
      call.write({ close: true });
    });
  }

  it('relays bytes both ways; closing the input half-closes the pod connection', async () => {
    const big = Buffer.alloc(200_000, 'a');
    const out = await forward({ namespace: 'default', name: 'web', pod_uid: 'uid-web', port: podPort }, [Buffer.from('hello '), big]);
    assert.equal(out.error, undefined);
    assert.equal(out.data, `got ${200_006} bytes: hello aaaaaaaaaaaaaa`);
  });

  it('writes Kubernetes\' message as the last message when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const dead = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const out = await forward({ namespace: 'default', name: 'web', pod_uid: 'uid-web', port: dead }, []);
    assert.match(out.error ?? '', new RegExp(`^error forwarding port ${dead} to pod web, uid uid-web: connect ECONNREFUSED 127\\.0\\.0\\.1:${dead}$`));
  });

  it('refuses pods it does not run, a stale uid, a pod without an IP and a bad port', () => {
    const start = { namespace: 'default', name: 'web', pod_uid: 'uid-web', port: 80 };
    assert.deepEqual(portForwardTarget(web, start), { host: '127.0.0.1' });
    assert.match(JSON.stringify(portForwardTarget(undefined, { ...start, name: 'ghost' })), /pod not found/);
    assert.match(JSON.stringify(portForwardTarget(web, { ...start, pod_uid: 'other' })), /pod not found/);
    assert.match(JSON.stringify(portForwardTarget(pending, { ...start, name: 'pending', pod_uid: 'uid-pending' })), /no IP address/);
    assert.match(JSON.stringify(portForwardTarget(web, { ...start, port: 70_000 })), /invalid port 70000/);
  });

  it('ends the call with the error for an unknown pod', async () => {
    const out = await forward({ namespace: 'default', name: 'ghost', pod_uid: '', port: podPort }, []);
    assert.match(out.error ?? '', /^error forwarding port \d+ to pod ghost, uid : pod not found/);
  });
});
