// Resources.Exec forwarded to a fake kubelet gRPC server (in-process apiserver on MemoryStorage).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { ApiError, type Node, type Pod } from '@skiff/api';
import { ApiClient, loadSkiffProto, toGrpcError, type ExecInputMessage, type ExecOutputFrame, type ExecOutputMessage, type ExecStartMessage } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { MemoryStorage } from '../storage/memory-storage.js';
import { startApiserver, type RunningApiserver } from '../run.js';


let server: RunningApiserver;
let client: ApiClient;
let kubelet: grpc.Server;
const starts: ExecStartMessage[] = [];

/** The fake kubelet: echoes stdin to stdout, says hello on stderr, and exits with the number of resizes when stdin closes. */
function fakeExec(call: grpc.ServerDuplexStream<ExecInputMessage, ExecOutputMessage>): void {
  let resizes = 0;
  call.on('data', (msg: ExecInputMessage) => {
    if (msg.input === 'start' && msg.start) {
      starts.push(msg.start);
      if (msg.start.command[0] === 'fail') {
        call.emit('error', toGrpcError(new ApiError('InternalError', 'Internal error occurred: the runtime refused')));
        return;
      }
      call.write({ stderr: Buffer.from('hello from the kubelet\n') });
    } else if (msg.input === 'stdin' && msg.stdin) call.write({ stdout: msg.stdin });
    else if (msg.input === 'resize') resizes++;
    else if (msg.input === 'stdin_close') {
      call.write({ exit: { exit_code: 40 + resizes, status_json: '' } });
      call.end();
    }
  });
}

async function collect(stream: AsyncIterable<ExecOutputFrame>): Promise<{ stdout: string; stderr: string; exit: number | undefined }> {
  const out = { stdout: '', stderr: '', exit: undefined as number | undefined };
  for await (const f of stream) {
    if ('stdout' in f) out.stdout += f.stdout.toString();
    else if ('stderr' in f) out.stderr += f.stderr.toString();
    else out.exit = f.exit.exitCode;
  }
  return out;
}

async function execError(stream: AsyncIterable<ExecOutputFrame>): Promise<ApiError> {
  try {
    await collect(stream);
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return e;
  }
  return assert.fail('expected the exec to fail');
}

async function runningPod(name: string, containers = [{ name: 'web', image: 'x:1' }], phase: 'Running' | 'Succeeded' = 'Running'): Promise<void> {
  await client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers } });
  await client.bind('default', name, 'exec-node');
  const p = await client.get<Pod>('pods', 'default', name);
  const containerStatuses = containers.map((c) => ({ name: c.name, ready: true, restartCount: 0, image: c.image, imageID: '', state: { running: {} }, lastState: {} }));
  await client.updateStatus('pods', { ...p, status: { ...p.status, phase, containerStatuses } });
}

before(async () => {
  server = await startApiserver({ etcdServers: [], bindAddress: '127.0.0.1', port: 0, httpPort: 0 }, { storage: new MemoryStorage(), log: silentLogger() });
  client = new ApiClient({ server: server.address, timeoutMs: 5_000 });
  kubelet = new grpc.Server();
  kubelet.addService(loadSkiffProto().Kubelet.service, { ContainerLogs: () => undefined, Exec: fakeExec });
  const port = await new Promise<number>((resolve, reject) => kubelet.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const node: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'exec-node' },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
  };
  await client.create('nodes', node);
});

after(async () => {
  kubelet?.forceShutdown();
  client?.close();
  await server?.stop();
});

test('exec reaches the pod\'s kubelet with the pod uid and relays stdin, resizes, output and the exit code', async () => {
  await runningPod('shell');
  const uid = (await client.get<Pod>('pods', 'default', 'shell')).metadata.uid;
  const stream = client.exec('default', 'shell', { command: ['sh', '-c', 'cat'], stdin: true, tty: true });
  stream.write(Buffer.from('ping\n'));
  stream.resize(80, 24);
  stream.write(Buffer.from('pong\n'));
  stream.closeStdin();
  const out = await collect(stream);
  assert.deepEqual(out, { stdout: 'ping\npong\n', stderr: 'hello from the kubelet\n', exit: 41 });
  assert.deepEqual(starts.at(-1), { namespace: 'default', name: 'shell', container: 'web', command: ['sh', '-c', 'cat'], stdin: true, tty: true, pod_uid: uid });
});

test('exec refuses, with Kubernetes\' messages, what cannot run', async () => {
  await client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unbound', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'x:1' }] } });
  const cases: [string, Parameters<ApiClient['exec']>[2], string, string][] = [
    ['ghost', { command: ['true'] }, 'NotFound', 'pods "ghost" not found'],
    ['unbound', { command: ['true'] }, 'BadRequest', 'pod unbound does not have a host assigned'],
    ['unbound', { command: [] }, 'BadRequest', 'you must specify at least one command for the container'],
  ];
  await runningPod('two', [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'x:1' }]);
  cases.push(['two', { command: ['true'] }, 'BadRequest', 'a container name must be specified for pod two, choose one of: [a b]']);
  cases.push(['two', { command: ['true'], container: 'c' }, 'BadRequest', 'container c is not valid for pod two']);
  await runningPod('done', [{ name: 'web', image: 'x:1' }], 'Succeeded');
  cases.push(['done', { command: ['true'] }, 'BadRequest', 'cannot exec into a container in a completed pod; current phase is Succeeded']);
  await client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'starting', namespace: 'default' }, spec: { containers: [{ name: 'web', image: 'x:1' }] } });
  await client.bind('default', 'starting', 'exec-node');
  cases.push(['starting', { command: ['true'] }, 'BadRequest', 'unable to upgrade connection: container not found ("web")']);
  const before = starts.length;
  for (const [pod, opts, reason, message] of cases) {
    const e = await execError(client.exec('default', pod, opts));
    assert.deepEqual([e.reason, e.message], [reason, message], `${pod} ${JSON.stringify(opts)}`);
  }
  assert.equal(starts.length, before, 'none of them reached the kubelet');
});

test('a kubelet error reaches the client as its Status', async () => {
  await runningPod('broken');
  const e = await execError(client.exec('default', 'broken', { command: ['fail'] }));
  assert.deepEqual([e.reason, e.message], ['InternalError', 'Internal error occurred: the runtime refused']);
});
