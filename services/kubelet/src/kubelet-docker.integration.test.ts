// The kubelet against the real Docker engine (the API is the in-memory fake; the real apiserver is
// covered end to end elsewhere). Node names are unique per run, and the cleanup removes exactly the
// containers and networks carrying them.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Pod } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { LABEL_NODE, LABEL_ROLE } from './pod/labels.js';
import { run } from './run.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { dockerTestConfig, freeCidr, removeNodeFromDocker } from './testing/docker-node.js';
import { makePod } from './testing/fixtures.js';

const node = `kit-${randomBytes(4).toString('hex')}`;
const docker = new DockerRuntime();
const config = dockerTestConfig(node, { rootDir: path.join(os.tmpdir(), `skiff-kubelet-${node}`) });

async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

let httpPort = 0;

function startKubelet(api: FakeApi) {
  const ac = new AbortController();
  const done = run(ac.signal, config, { runtime: docker, client: api, log: silentLogger(), onListening: (p) => (httpPort = p.http) });
  return async () => {
    ac.abort();
    await done;
  };
}

/** How many times the running kubelet listed containers (relists and pod syncs). */
async function listCalls(): Promise<number> {
  const text = (await get(`http://127.0.0.1:${httpPort}/metrics`)).body;
  return Number(/kubelet_runtime_operations_total\{operation_type="list_containers"\} (\d+)/.exec(text)?.[1] ?? '0');
}

const phase = (api: FakeApi, name: string) => api.peek<Pod>('pods', 'default', name)?.status?.phase;

describe(`kubelet on Docker (node ${node})`, () => {
  const api = new FakeApi();
  let stop: () => Promise<void>;

  before(async () => {
    config.podCIDR = await freeCidr(docker, 24);
    stop = startKubelet(api);
  });
  after(async () => {
    await stop();
    await removeNodeFromDocker(docker, node);
    await rm(config.rootDir ?? '', { recursive: true, force: true });
  });

  it('runs a pod whose containers share localhost, reachable on its pod IP', async () => {
    await api.create(
      'pods',
      makePod({
        name: 'web',
        node,
        containers: [
          { name: 'server', image: 'skiff/busybox:latest', command: ['sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www'] },
          { name: 'probe', image: 'skiff/busybox:latest', command: ['sh', '-c', 'sleep 1; wget -qO- http://127.0.0.1:8080/ ; exec sleep 3600'] },
        ],
      }),
    );
    const pod = await until('web Running', () => {
      const p = api.peek<Pod>('pods', 'default', 'web');
      return p?.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    });
    const res = await until('HTTP on the pod IP', () => get(`http://${pod.status?.podIP}:8080/`).catch(() => undefined));
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello from web\n');
    // The second container reached the first over localhost.
    const probe = (await docker.listContainers({ [LABEL_NODE]: node, 'skiff.io/container-name': 'probe' }))[0];
    assert.ok(probe);
    const out = await until('the probe output', async () => {
      let text = '';
      for await (const b of docker.logs(probe.id)) text += b.toString();
      return text.includes('hello') ? text : undefined;
    });
    assert.equal(out, 'hello from web\n');
  });

  it('restarts a container killed with docker kill, promptly', async () => {
    const app = (await docker.listContainers({ [LABEL_NODE]: node, 'skiff.io/container-name': 'server' })).find((c) => c.state === 'running');
    assert.ok(app);
    await docker.killContainer(app.id);
    const cs = await until('server restarted', () => {
      const s = api.peek<Pod>('pods', 'default', 'web')?.status?.containerStatuses?.find((c) => c.name === 'server');
      return s?.restartCount === 1 && s.state.running ? s : undefined;
    });
    assert.equal(cs.lastState.terminated?.exitCode, 137);
  });

  it('reports ErrImageNeverPull for an image that is not here', async () => {
    await api.create('pods', makePod({ name: 'noimage', node, containers: [{ name: 'c', image: 'skiff/not-built:v0' }] }));
    const w = await until('ErrImageNeverPull', () => {
      const s = api.peek<Pod>('pods', 'default', 'noimage')?.status?.containerStatuses?.[0]?.state.waiting;
      return s?.reason === 'ErrImageNeverPull' ? s : undefined;
    });
    assert.equal(w.message, 'Container image "skiff/not-built:v0" is not present with pull policy of Never');
    assert.equal(phase(api, 'noimage'), 'Pending');
  });

  it('runs a pod to completion (restartPolicy Never) and keeps its exit code', async () => {
    await api.create('pods', makePod({ name: 'job', node, restartPolicy: 'Never', containers: [{ name: 'c', image: 'skiff/busybox:latest', command: ['sh', '-c', 'echo done; exit 3'] }] }));
    await until('job Failed', () => phase(api, 'job') === 'Failed');
    const t = api.peek<Pod>('pods', 'default', 'job')?.status?.containerStatuses?.[0]?.state.terminated;
    assert.equal(t?.exitCode, 3);
    assert.equal(t?.reason, 'Error');
    // A finished pod's sandbox is stopped (and kept, for its status and logs).
    await until('the job sandbox stopped', async () => {
      const infra = await docker.listContainers({ [LABEL_NODE]: node, [LABEL_ROLE]: 'infra', 'skiff.io/pod-name': 'job' });
      return infra.length === 1 && infra[0]?.state === 'exited';
    });
  });

  it('leaves running containers untouched across a kubelet restart', async () => {
    const before = (await docker.listContainers({ [LABEL_NODE]: node })).map((c) => `${c.name}:${c.id.slice(0, 12)}:${c.state}`).sort();
    await stop();
    httpPort = 0;
    stop = startKubelet(api);
    // Let several relists and full resyncs pass.
    await until('resyncs after the restart', async () => httpPort !== 0 && (await listCalls()) >= 20);
    const after = (await docker.listContainers({ [LABEL_NODE]: node })).map((c) => `${c.name}:${c.id.slice(0, 12)}:${c.state}`).sort();
    assert.deepEqual(after, before);
  });

  it('stops a deleted pod with SIGTERM and removes its containers', async () => {
    await api.delete('pods', 'default', 'web');
    await until('web gone from the API', () => api.peek('pods', 'default', 'web') === undefined, 15_000);
    const left = await docker.listContainers({ [LABEL_NODE]: node, 'skiff.io/pod-name': 'web' });
    assert.deepEqual(left, []);
    const infra = await docker.listContainers({ [LABEL_NODE]: node, [LABEL_ROLE]: 'infra', 'skiff.io/pod-name': 'job' });
    assert.equal(infra.length, 1, 'other pods keep their containers');
  });
});
