// Kubelet.Exec over a real gRPC connection, on the fake runtime: the framing of output, stdin,
// terminal resizes and exit codes, and the Status errors when a command cannot run.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { objectKey, type Pod, type Status } from '@skiff/api';
import { CHANNEL_OPTIONS, loadSkiffProto, type ExecOutputMessage, type ExecStartMessage } from '@skiff/client';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock } from '@skiff/machinery';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { fakeNodeSyncer } from '../testing/fake-node-syncer.js';
import { makePod } from '../testing/fixtures.js';
import { execHandler } from './exec-server.js';
import { serveLogs, type LogsServer } from './logs-server.js';

interface Result {
  stdout: string;
  stderr: string;
  exitCode: number;
  status?: Status;
  frames: string[];
}

describe('Kubelet.Exec (gRPC)', () => {
  const rt = new FakeRuntime();
  const api = new FakeApi();
  let server: LogsServer;
  let client: grpc.Client;
  let web: Pod;

  before(async () => {
    const syncer = fakeNodeSyncer({ runtime: rt, api, clock: new FakeClock() });
    web = await api.create('pods', makePod({ name: 'web-1' }));
    const two = await api.create('pods', makePod({ name: 'two', containers: [{ name: 'a', image: 'skiff/demo-web:v1' }, { name: 'b', image: 'skiff/busybox:latest', command: ['sh', '-c', 'exit 0'] }] }));
    for (const p of [web, two]) await syncer.sync(objectKey(p), p);
    server = await serveLogs({
      runtime: rt,
      node: 'node-a',
      host: '127.0.0.1',
      port: 0,
      log: silentLogger(),
      handlers: {
        Exec: execHandler({ runtime: rt, node: 'node-a', getPod: (ns, name) => api.peek<Pod>('pods', ns, name), log: silentLogger() }),
      },
    });
    const { Kubelet } = loadSkiffProto();
    client = new Kubelet(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  /** Sends start, then the inputs; half-closes unless told not to; collects the answer. */
  function exec(start: Partial<ExecStartMessage>, inputs: Record<string, unknown>[] = [], opts: { halfClose?: boolean; onFrame?: (f: ExecOutputMessage, call: grpc.ClientDuplexStream<unknown, ExecOutputMessage>) => void } = {}): Promise<Result> {
    const call = (client as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, ExecOutputMessage>>)['Exec']!.call(client);
    const result: Result = { stdout: '', stderr: '', exitCode: -1, frames: [] };
    return new Promise((resolve, reject) => {
      call.on('data', (f: ExecOutputMessage) => {
        result.frames.push(f.output ?? '?');
        if (f.output === 'stdout') result.stdout += f.stdout?.toString() ?? '';
        if (f.output === 'stderr') result.stderr += f.stderr?.toString() ?? '';
        if (f.output === 'exit' && f.exit) {
          result.exitCode = f.exit.exit_code;
          if (f.exit.status_json) result.status = JSON.parse(f.exit.status_json) as Status;
        }
        opts.onFrame?.(f, call);
      });
      call.on('end', () => resolve(result));
      call.on('error', reject);
      call.write({ start: { namespace: 'default', name: 'web-1', container: '', command: [], stdin: false, tty: false, pod_uid: '', ...start } });
      for (const m of inputs) call.write(m);
      if (opts.halfClose ?? true) call.end();
    });
  }

  it('runs a command in the pod\'s only container and streams stdout, stderr, then the exit code', async () => {
    const r = await exec({ command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.exitCode, 3);
    assert.equal(r.status, undefined);
    assert.equal(r.frames[r.frames.length - 1], 'exit', 'the exit comes last');
  });

  it('feeds stdin until stdin_close (or the end of the stream)', async () => {
    const r = await exec({ command: ['cat'], stdin: true }, [{ stdin: Buffer.from('hello\n') }, { stdin: Buffer.from('again\n') }, { stdin_close: true }], { halfClose: false });
    assert.deepEqual([r.stdout, r.exitCode], ['hello\nagain\n', 0]);
    const ended = await exec({ command: ['cat'], stdin: true, pod_uid: web.metadata.uid ?? '' }, [{ stdin: Buffer.from('bye\n') }]);
    assert.deepEqual([ended.stdout, ended.exitCode], ['bye\n', 0]);
  });

  it('gives a terminal and applies resizes', async () => {
    const r = await exec({ command: ['sh', '-c', 'read x; stty size; echo $x'], stdin: true, tty: true }, [{ resize: { width: 120, height: 40 } }, { stdin: Buffer.from('go\n') }], { halfClose: false });
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, '40 120\r\ngo\r\n');
    const last = rt.execs[rt.execs.length - 1];
    assert.deepEqual([last?.tty, last?.resizes], [true, [{ width: 120, height: 40 }]]);
  });

  it('reports a missing executable as exit code 126, like Docker', async () => {
    const r = await exec({ command: ['no-such-tool'] });
    assert.equal(r.exitCode, 126);
    assert.match(r.stdout, /"no-such-tool": executable file not found in \$PATH/);
    assert.equal(r.status, undefined);
  });

  it('answers with a Status when the command cannot run', async () => {
    const notHere = await exec({ name: 'elsewhere', command: ['true'] });
    assert.deepEqual([notHere.exitCode, notHere.status?.reason, notHere.status?.message], [1, 'NotFound', 'pods "elsewhere" not found']);
    const otherUid = await exec({ command: ['true'], pod_uid: 'a-newer-pod' });
    assert.equal(otherUid.status?.reason, 'NotFound');
    const which = await exec({ name: 'two', command: ['true'] });
    assert.deepEqual([which.status?.reason, which.status?.message], ['BadRequest', 'a container name must be specified for pod two, choose one of: [a b]']);
    const unknown = await exec({ container: 'nope', command: ['true'] });
    assert.equal(unknown.status?.message, 'container nope is not valid for pod web-1');
    const exited = await exec({ name: 'two', container: 'b', command: ['true'] });
    assert.deepEqual([exited.status?.reason, exited.status?.message], ['BadRequest', 'container b in pod two is not running']);
    const noCommand = await exec({ command: [] });
    assert.equal(noCommand.status?.message, 'you must specify at least one command for the container');
    assert.equal((await exec({ name: 'two', container: 'a', command: ['true'] })).exitCode, 0);
  });

  it('ends the command\'s session when the caller goes away', async () => {
    const before = rt.execs.length;
    await assert.rejects(
      exec({ command: ['sh', '-c', 'echo ready; sleep 3600'] }, [], {
        halfClose: false,
        onFrame: (f, call) => {
          if (f.output === 'stdout') call.cancel();
        },
      }),
      (e: grpc.ServiceError) => e.code === grpc.status.CANCELLED,
    );
    assert.equal(rt.execs.length, before + 1);
    // The server still serves.
    assert.equal((await exec({ command: ['true'] })).exitCode, 0);
  });
});
