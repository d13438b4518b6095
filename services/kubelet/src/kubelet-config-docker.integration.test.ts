// Configuration in pods against the real Docker engine (the API is the in-memory fake): env and
// files from a ConfigMap and a Secret, a subPath snapshot, an emptyDir shared by two containers (and
// one in memory), a ConfigMap update reaching the mounted file, and a memory hog OOMKilled. The node
// name and root dir are unique per run; the cleanup removes exactly what carries them.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ConfigMap, Pod, Secret } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { LABEL_NODE } from './pod/labels.js';
import { run } from './run.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { RuntimeNotFoundError } from './runtime/runtime.js';
import { dockerTestConfig, freeCidr, removeNodeFromDocker } from './testing/docker-node.js';
import { makePod } from './testing/fixtures.js';
import { until as pollUntil } from './testing/until.js';
import { LinuxMounter } from './volumes/mounter.js';

const node = `kcfg-${randomBytes(4).toString('hex')}`;
const rootDir = path.join(os.tmpdir(), `skiff-kubelet-${node}`);
const docker = new DockerRuntime();
const config = dockerTestConfig(node, { rootDir });
const isRoot = process.getuid?.() === 0;

/** Docker is slower than the fakes: poll every 100 ms, for 30 s unless told otherwise. */
const until = <T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 30_000): Promise<T> => pollUntil(what, fn, ms, 100);

async function containerOf(pod: string, container: string) {
  const list = await docker.listContainers({ [LABEL_NODE]: node, 'skiff.io/pod-name': pod, 'skiff.io/container-name': container });
  return list.sort((a, b) => b.createdAt - a.createdAt)[0];
}

async function logsOf(pod: string, container: string): Promise<string> {
  const c = await containerOf(pod, container);
  if (!c) return '';
  let text = '';
  try {
    for await (const b of docker.logs(c.id)) text += b.toString();
  } catch (e) {
    // Replaced between the listing and the read: the next poll finds the new one.
    if (!(e instanceof RuntimeNotFoundError)) throw e;
  }
  return text;
}

const statusOf = (api: FakeApi, pod: string, container: string) => api.peek<Pod>('pods', 'default', pod)?.status?.containerStatuses?.find((c) => c.name === container);

describe(`kubelet configuration on Docker (node ${node})`, () => {
  const api = new FakeApi();
  const ac = new AbortController();
  let done: Promise<void>;

  before(async () => {
    config.podCIDR = await freeCidr(docker, 24);
    await api.create<ConfigMap>('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data: { mode: 'prod', 'app.conf': 'version=1' } });
    await api.create<Secret>('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'app-secret', namespace: 'default' },
      data: { password: Buffer.from('hunter2').toString('base64'), token: Buffer.from('t0k3n').toString('base64') },
    });
    done = run(ac.signal, config, { runtime: docker, client: api, log: silentLogger() });
  });

  after(async () => {
    ac.abort();
    await done;
    await removeNodeFromDocker(docker, node);
    if (isRoot) {
      const mounter = new LinuxMounter();
      for (const m of await mounter.mountsUnder(rootDir)) await mounter.unmount(m);
    }
    await rm(rootDir, { recursive: true, force: true });
  });

  it('gives a container env and files from a ConfigMap and a Secret, and follows a ConfigMap update (not in a subPath)', async () => {
    const base = makePod({
      name: 'configured',
      node,
      containers: [
        {
          name: 'app',
          image: 'skiff/busybox:latest',
          command: [
            'sh',
            '-c',
            'echo "env MODE=$MODE PASSWORD=$PASSWORD CFG_mode=$CFG_mode POD=$POD_NAME"; ' +
              'echo "secret-file $(cat /etc/secret/password) mode=$(stat -c %a /etc/secret/..data/password)"; ' +
              'while true; do echo "tick cfg=$(cat /etc/cfg/app.conf) sub=$(cat /etc/app.conf)"; sleep 1; done',
          ],
          env: [
            { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'mode' } } },
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'password' } } },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'app-config' } }],
          volumeMounts: [
            { name: 'cfg', mountPath: '/etc/cfg' },
            { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' },
            { name: 'secret', mountPath: '/etc/secret' },
          ],
        },
      ],
    });
    base.spec.volumes = [
      { name: 'cfg', configMap: { name: 'app-config' } },
      { name: 'secret', secret: { secretName: 'app-secret', defaultMode: 0o400 } },
    ];
    await api.create('pods', base);
    const first = await until('the first tick', async () => {
      const text = await logsOf('configured', 'app');
      return text.includes('tick') ? text : undefined;
    });
    assert.match(first, /^env MODE=prod PASSWORD=hunter2 CFG_mode=prod POD=configured$/m);
    assert.match(first, /^secret-file hunter2 mode=400$/m);
    assert.match(first, /^tick cfg=version=1 sub=version=1$/m);

    const cm = api.peek<ConfigMap>('configmaps', 'default', 'app-config') as ConfigMap;
    await api.update('configmaps', { ...cm, data: { ...cm.data, 'app.conf': 'version=2' } });
    const updated = await until(
      'the update in the mounted file',
      async () => {
        const line = (await logsOf('configured', 'app')).split('\n').find((l) => l.startsWith('tick cfg=version=2'));
        return line;
      },
      90_000,
    );
    assert.equal(updated, 'tick cfg=version=2 sub=version=1', 'a subPath mount is a snapshot');
    assert.equal(statusOf(api, 'configured', 'app')?.restartCount, 0);
  });

  it('shares an emptyDir between two containers, and a memory emptyDir is a tmpfs', async () => {
    const base = makePod({
      name: 'shared',
      node,
      containers: [
        { name: 'writer', image: 'skiff/busybox:latest', command: ['sh', '-c', 'echo "from writer" > /shared/msg; echo mem > /mem/file; exec sleep 3600'], volumeMounts: [{ name: 'shared', mountPath: '/shared' }, { name: 'mem', mountPath: '/mem' }] },
        {
          name: 'reader',
          image: 'skiff/busybox:latest',
          command: ['sh', '-c', 'until [ -f /data/msg ]; do sleep 0.2; done; echo "read: $(cat /data/msg)"; until [ -f /mem/file ]; do sleep 0.2; done; grep " /mem " /proc/mounts; exec sleep 3600'],
          volumeMounts: [{ name: 'shared', mountPath: '/data', readOnly: true }, { name: 'mem', mountPath: '/mem' }],
        },
      ],
    });
    base.spec.volumes = [
      { name: 'shared', emptyDir: {} },
      { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '8Mi' } },
    ];
    const pod = await api.create('pods', base);
    const out = await until('the reader output', async () => {
      const text = await logsOf('shared', 'reader');
      return /\/mem/.test(text) ? text : undefined;
    });
    assert.match(out, /^read: from writer$/m);
    for (const c of ['writer', 'reader']) {
      const instances = await docker.listContainers({ [LABEL_NODE]: node, 'skiff.io/pod-name': 'shared', 'skiff.io/container-name': c });
      assert.equal(instances.length, 1, `${c} ran once`);
    }
    if (isRoot) assert.match(out, /^tmpfs \/mem tmpfs .*size=8192k/m, 'the memory emptyDir is one tmpfs, shared');

    // Deleting the pod removes its volumes (and unmounts the tmpfs).
    const podDir = path.join(rootDir, 'pods', pod.metadata.uid ?? '');
    assert.ok((await stat(podDir)).isDirectory());
    await api.delete('pods', 'default', 'shared', { gracePeriodSeconds: 1 });
    await until('the pod gone', () => api.peek('pods', 'default', 'shared') === undefined);
    await assert.rejects(stat(podDir), { code: 'ENOENT' });
    if (isRoot) assert.deepEqual(await new LinuxMounter().mountsUnder(podDir), []);
    assert.equal((await readFile('/proc/mounts', 'utf8')).includes(podDir), false);
  });

  it('kills a container over its 32Mi memory limit: OOMKilled', async () => {
    await api.create(
      'pods',
      makePod({
        name: 'hog',
        node,
        containers: [{ name: 'hog', image: 'skiff/busybox:latest', command: ['sh', '-c', 'x=a; while :; do x=$x$x; done'], resources: { limits: { memory: '32Mi' } } }],
      }),
    );
    const status = await until('OOMKilled in lastState', () => {
      const s = statusOf(api, 'hog', 'hog');
      return s?.lastState.terminated?.reason === 'OOMKilled' ? s : undefined;
    }, 60_000);
    assert.equal(status.lastState.terminated?.exitCode, 137);
    assert.ok(status.restartCount >= 1);
    const c = await containerOf('hog', 'hog');
    assert.ok(c);
    const info = await docker.docker.getContainer(c.id).inspect();
    assert.equal(info.HostConfig.Memory, 32 * 1024 * 1024);
    assert.equal(info.HostConfig.MemorySwap, 32 * 1024 * 1024);
    assert.equal(info.HostConfig.CpuShares, 2);
  });
});
