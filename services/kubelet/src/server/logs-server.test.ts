import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { objectKey, type Pod } from '@skiff/api';
import { CHANNEL_OPTIONS, fromGrpcError, loadSkiffProto } from '@skiff/client';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock } from '@skiff/machinery';
import { LABEL_NODE, LABEL_ROLE } from '../pod/labels.js';
import { PodSyncer } from '../pod/pod-syncer.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { makePod } from '../testing/fixtures.js';
import { logSince, serveLogs, type LogsServer } from './logs-server.js';

describe('ContainerLogs (gRPC)', () => {
  const rt = new FakeRuntime();
  const api = new FakeApi();
  let server: LogsServer;
  let client: grpc.Client;
  let pod: Pod;

  const fetch = (req: Record<string, unknown>, onChunk?: (s: string, call: grpc.ClientReadableStream<{ data: Buffer }>) => void): Promise<string> =>
    new Promise((resolve, reject) => {
      const call = (client as unknown as Record<string, (r: unknown) => grpc.ClientReadableStream<{ data: Buffer }>>)['ContainerLogs']!.call(client, {
        pod_uid: pod.metadata.uid,
        namespace: 'default',
        name: 'web-1',
        container: 'web',
        follow: false,
        tail_lines: -1,
        previous: false,
        timestamps: false,
        ...req,
      });
      let text = '';
      call.on('data', (c: { data: Buffer }) => {
        text += c.data.toString();
        onChunk?.(text, call);
      });
      call.on('end', () => resolve(text));
      call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? resolve(text) : reject(fromGrpcError(e, 'kubelet'))));
    });

  before(async () => {
    const clock = new FakeClock();
    const syncer = new PodSyncer({
      runtime: rt,
      api,
      clock,
      log: silentLogger(),
      node: 'node-a',
      hostIP: '127.0.0.1',
      network: 'skiff-node-a',
      ensureNetwork: async () => {
        await rt.ensureNetwork({ name: 'skiff-node-a', labels: { [LABEL_NODE]: 'node-a' } });
      },
      infraImage: 'skiff/busybox:latest',
    });
    pod = await api.create('pods', makePod({ containers: [{ name: 'web', image: 'skiff/busybox:latest', command: ['sh', '-c', 'echo one; echo two; exit 1'] }] }));
    await syncer.sync(objectKey(pod), pod);
    await new Promise((r) => setImmediate(r));
    await syncer.sync(objectKey(pod), api.peek('pods', 'default', 'web-1'));
    await new Promise((r) => setImmediate(r));
    server = await serveLogs({ runtime: rt, node: 'node-a', host: '127.0.0.1', port: 0, log: silentLogger() });
    const { Kubelet } = loadSkiffProto();
    client = new Kubelet(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it('streams the log of the current container, with tail and timestamps', async () => {
    assert.equal(await fetch({}), 'one\ntwo\n');
    assert.equal(await fetch({ tail_lines: 1 }), 'two\n');
    assert.match(await fetch({ timestamps: true, tail_lines: 1 }), /^\d{4}-\d\d-\d\dT[\d:.]+Z two\n$/);
  });

  it('streams the previous instance, and says so when there is none', async () => {
    const apps = rt.all().filter((c) => c.labels[LABEL_ROLE] === 'app');
    assert.equal(apps.length, 2);
    rt.appendLog(apps.find((c) => c.labels['skiff.io/restart-count'] === '1')?.id ?? '', 'only-in-current');
    assert.equal(await fetch({ previous: true }), 'one\ntwo\n');
    assert.equal(await fetch({}), 'one\ntwo\nonly-in-current\n');
    await assert.rejects(fetch({ name: 'other' }), /container "web" in pod "other" is waiting to start: ContainerCreating/);
  });

  it('follows a running container until the caller cancels', async () => {
    const running = await api.create('pods', makePod({ name: 'srv', containers: [{ name: 'web', image: 'skiff/busybox:latest', command: ['sh', '-c', 'echo ready; sleep 1000'] }] }));
    await rt.ensureNetwork({ name: 'skiff-node-a', labels: {} });
    const syncer = new PodSyncer({
      runtime: rt,
      api,
      clock: new FakeClock(),
      log: silentLogger(),
      node: 'node-a',
      hostIP: '127.0.0.1',
      network: 'skiff-node-a',
      ensureNetwork: async () => {},
      infraImage: 'skiff/busybox:latest',
    });
    await syncer.sync(objectKey(running), running);
    await new Promise((r) => setImmediate(r));
    const app = rt.all().find((c) => c.labels['skiff.io/pod-name'] === 'srv' && c.labels[LABEL_ROLE] === 'app');
    let appended = false;
    const text = await fetch({ pod_uid: running.metadata.uid, name: 'srv', follow: true }, (t, call) => {
      if (!appended && t.includes('ready')) {
        appended = true;
        rt.appendLog(app?.id ?? '', 'later');
      } else if (t.includes('later')) call.cancel();
    });
    assert.equal(text, 'ready\nlater\n');
  });

  it('keeps only the lines since sinceTime / sinceSeconds, and refuses a negative sinceSeconds', async () => {
    const late = await api.create('pods', makePod({ name: 'late', containers: [{ name: 'web', image: 'skiff/busybox:latest', command: ['sh', '-c', 'echo early; sleep 1000'] }] }));
    const syncer = new PodSyncer({
      runtime: rt,
      api,
      clock: new FakeClock(),
      log: silentLogger(),
      node: 'node-a',
      hostIP: '127.0.0.1',
      network: 'skiff-node-a',
      ensureNetwork: async () => {},
      infraImage: 'skiff/busybox:latest',
    });
    await syncer.sync(objectKey(late), late);
    await new Promise((r) => setImmediate(r));
    const req = { pod_uid: late.metadata.uid, name: 'late' };
    const early = Date.parse((await fetch({ ...req, timestamps: true })).split(' ')[0] ?? '');
    assert.ok(!Number.isNaN(early), 'the early line is written');
    // The fake stamps lines with Date.now() (milliseconds): let the clock move past the first line.
    const tick = async (after: number): Promise<number> => {
      while (Date.now() <= after) await new Promise((r) => setImmediate(r));
      return Date.now();
    };
    const between = await tick(early);
    await tick(between);
    const app = rt.all().find((c) => c.labels['skiff.io/pod-name'] === 'late' && c.labels[LABEL_ROLE] === 'app');
    rt.appendLog(app?.id ?? '', 'late');
    assert.equal(await fetch({ ...req, since_time: new Date(between).toISOString() }), 'late\n');
    assert.equal(await fetch({ ...req, since_time: '2020-01-01T00:00:00Z' }), 'early\nlate\n');
    assert.equal(await fetch({ ...req, since_seconds: 3600 }), 'early\nlate\n');
    assert.equal(await fetch({ ...req, since_time: new Date(Date.now() + 60_000).toISOString() }), '');
    await assert.rejects(fetch({ ...req, since_seconds: -1 }), /sinceSeconds: Invalid value: -1: must be greater than 0/);
  });
});

describe('logSince', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it('counts sinceSeconds back from now and parses sinceTime; the later one wins', () => {
    assert.equal(logSince({ name: 'p' }, now), undefined);
    assert.equal(logSince({ name: 'p', since_seconds: 0, since_time: '' }, now), undefined);
    assert.equal(logSince({ name: 'p', since_seconds: 10 }, now), now - 10_000);
    assert.equal(logSince({ name: 'p', since_time: '2024-05-01T11:00:00.5Z' }, now), Date.parse('2024-05-01T11:00:00.500Z'));
    assert.equal(logSince({ name: 'p', since_seconds: 10, since_time: '2024-05-01T11:00:00Z' }, now), now - 10_000);
    assert.throws(() => logSince({ name: 'p', since_time: 'yesterday' }, now), /sinceTime: invalid RFC 3339 time "yesterday"/);
  });
});
