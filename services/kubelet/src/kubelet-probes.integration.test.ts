// Probes, an init container and exec against the real Docker engine (the API is the in-memory
// fake). The node name is unique per run, and the cleanup removes exactly the containers and
// networks carrying it.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { findCondition, type Event, type Pod } from '@skiff/api';
import { CHANNEL_OPTIONS, loadSkiffProto, type ExecOutputMessage } from '@skiff/client';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { run } from './run.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { dockerTestConfig, freeCidr, removeNodeFromDocker } from './testing/docker-node.js';
import { makePod } from './testing/fixtures.js';
import { until } from './testing/until.js';

const node = `kpi-${randomBytes(4).toString('hex')}`;
const docker = new DockerRuntime();
const config = dockerTestConfig(node, { rootDir: `/tmp/skiff-${node}` });
const WAIT_MS = 30_000;

describe(`kubelet probes, init containers and exec on Docker (node ${node})`, () => {
  const api = new FakeApi();
  const ac = new AbortController();
  let done: Promise<void>;
  let client: grpc.Client;
  let grpcPort = 0;
  let httpPort = 0;

  before(async () => {
    config.podCIDR = await freeCidr(docker, 24);
    done = run(ac.signal, config, {
      runtime: docker,
      client: api,
      log: silentLogger(),
      onListening: (p) => {
        grpcPort = p.grpc;
        httpPort = p.http;
      },
    });
    await until('the kubelet listening', () => grpcPort !== 0, WAIT_MS);
    const { Kubelet } = loadSkiffProto();
    client = new Kubelet(`${config.address}:${grpcPort}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  });
  after(async () => {
    client?.close();
    ac.abort();
    await done;
    await removeNodeFromDocker(docker, node);
    await rm(config.rootDir ?? '', { recursive: true, force: true });
  });

  /** Successful liveness probes of the pod so far, from the kubelet's /metrics. */
  async function livenessSuccesses(): Promise<number> {
    const text = await fetch(`http://${config.address}:${httpPort}/metrics`).then((r) => r.text());
    const line = text.split('\n').find((l) => l.startsWith('prober_probe_total{') && l.includes('probe_type="Liveness"') && l.includes('result="successful"') && l.includes('pod="web"'));
    return Number(line?.split(' ').pop() ?? '0');
  }

  /** Kubelet.Exec: sends start, then the inputs, collects the answer. */
  function exec(container: string, command: string[], o: { tty?: boolean; inputs?: Record<string, unknown>[] } = {}): Promise<{ stdout: string; stderr: string; exitCode: number }> {
    const call = (client as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, ExecOutputMessage>>)['Exec']!.call(client);
    const r = { stdout: '', stderr: '', exitCode: -1 };
    return new Promise((resolve, reject) => {
      call.on('data', (f: ExecOutputMessage) => {
        if (f.output === 'stdout') r.stdout += f.stdout?.toString() ?? '';
        if (f.output === 'stderr') r.stderr += f.stderr?.toString() ?? '';
        if (f.output === 'exit') r.exitCode = f.exit?.exit_code ?? -1;
      });
      call.on('end', () => resolve(r));
      call.on('error', reject);
      const stdin = o.inputs !== undefined;
      call.write({ start: { namespace: 'default', name: 'web', container, command, stdin, tty: o.tty ?? false, pod_uid: '' } });
      for (const m of o.inputs ?? []) call.write(m);
      if (!stdin) call.end();
    });
  }

  const pod = () => api.peek<Pod>('pods', 'default', 'web');

  it('runs the init container first, then the app, Ready once its readiness probe passes', async () => {
    const spec = makePod({
      name: 'web',
      node,
      containers: [
        {
          name: 'web',
          image: 'skiff/demo-web:v1',
          ports: [{ name: 'http', containerPort: 8080 }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
          readinessProbe: { exec: { command: ['cat', '/etc/demo-web-version'] }, periodSeconds: 1 },
        },
      ],
    });
    spec.spec.initContainers = [{ name: 'init', image: 'skiff/busybox:latest', command: ['sh', '-c', 'echo initialized'] }];
    await api.create('pods', spec);
    const ready = await until('web Ready', () => {
      const p = pod();
      return findCondition(p?.status?.conditions, 'Ready')?.status === 'True' ? p : undefined;
    }, WAIT_MS);
    assert.equal(ready.status?.phase, 'Running');
    assert.equal(findCondition(ready.status?.conditions, 'Initialized')?.status, 'True');
    const init = ready.status?.initContainerStatuses?.[0];
    assert.deepEqual([init?.name, init?.state.terminated?.reason, init?.state.terminated?.exitCode, init?.ready], ['init', 'Completed', 0, true]);
    const initFinished = Date.parse(init?.state.terminated?.finishedAt ?? '');
    const webStarted = Date.parse(ready.status?.containerStatuses?.[0]?.state.running?.startedAt ?? '');
    assert.ok(initFinished <= webStarted, 'the app container started after the init container finished');
  });

  it('execs with a terminal: its size follows resize, stdin reaches the command', async () => {
    const r = await exec('web', ['sh', '-c', 'read x; stty size; echo got $x'], { tty: true, inputs: [{ resize: { width: 100, height: 30 } }, { stdin: Buffer.from('go\n') }] });
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout, /30 100\r\n/);
    assert.match(r.stdout, /got go\r\n/);
    const missing = await exec('web', ['no-such-tool']);
    assert.equal(missing.exitCode, 126);
  });

  it('restarts the container when its httpGet liveness probe fails, and says why', async () => {
    const before = pod()?.status?.containerStatuses?.[0];
    assert.equal(before?.restartCount, 0);
    const rm = await exec('', ['rm', '/www/healthz']);
    assert.equal(rm.exitCode, 0);
    const after = await until('a restart', () => {
      const cs = pod()?.status?.containerStatuses?.[0];
      return cs && cs.restartCount === 1 && cs.state.running && cs.ready ? cs : undefined;
    }, WAIT_MS);
    assert.notEqual(after.containerID, before?.containerID);
    assert.equal(after.lastState.terminated?.exitCode, 143, 'stopped with SIGTERM');
    const events = api.all<Event>('events', 'default').map((e) => `${e.reason} ${e.message}`);
    assert.ok(events.includes('Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 404'), events.join('\n'));
    assert.ok(events.includes('Killing Container web failed liveness probe, will be restarted'), events.join('\n'));
    // The new instance serves /healthz again: probed healthy a few times, it keeps running.
    const successes = await livenessSuccesses();
    await until('two healthy liveness probes', async () => (await livenessSuccesses()) >= successes + 2, WAIT_MS, 100);
    assert.equal(pod()?.status?.containerStatuses?.[0]?.containerID, after.containerID);
    assert.equal(pod()?.status?.containerStatuses?.[0]?.restartCount, 1);
  });
});
