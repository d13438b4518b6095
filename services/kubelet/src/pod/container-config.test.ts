// Configuration in pods on the fake runtime and the in-memory API, with a FakeClock: env from
// ConfigMaps, Secrets and the downward API, CreateContainerConfigError until a missing object
// appears, volumes bound as mounts and removed with the pod, resources, and OOMKilled.

import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { objectKey, type ConfigMap, type Pod, type Secret } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock } from '@skiff/machinery';
import { ConfigSourceManager } from '../config-sources/config-source-manager.js';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { makePod } from '../testing/fixtures.js';
import { VolumeManager } from '../volumes/volume-manager.js';
import { appContainerSpec, containerResources, ContainerConfigurator, milliCPUToShares } from './container-config.js';
import { LABEL_NODE, LABEL_ROLE } from './labels.js';
import { PodSyncer } from './pod-syncer.js';

const NODE = 'node-a';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('container resources', () => {
  it('converts milliCPU to shares like Kubernetes (2 at least)', () => {
    assert.equal(milliCPUToShares(0), 2);
    assert.equal(milliCPUToShares(1), 2);
    assert.equal(milliCPUToShares(100), 102);
    assert.equal(milliCPUToShares(250), 256);
    assert.equal(milliCPUToShares(1000), 1024);
    assert.equal(milliCPUToShares(1_000_000), 262_144);
  });

  it('maps limits to NanoCpus and Memory (= MemorySwap), requests to CpuShares', () => {
    assert.deepEqual(containerResources({ name: 'a', image: 'x', resources: { requests: { cpu: '250m' }, limits: { cpu: '0.5', memory: '32Mi' } } }), {
      nanoCpus: 500_000_000,
      cpuShares: 256,
      memoryBytes: 32 * 1024 * 1024,
      memorySwapBytes: 32 * 1024 * 1024,
    });
    // A limit without a request: the request is the limit.
    assert.deepEqual(containerResources({ name: 'a', image: 'x', resources: { limits: { cpu: '2' } } }), { nanoCpus: 2_000_000_000, cpuShares: 2048 });
    // BestEffort: the minimum weight, no limits.
    assert.deepEqual(containerResources({ name: 'a', image: 'x' }), { cpuShares: 2 });
  });

  it('puts the resolved env, command and mounts in the container spec', () => {
    const pod = makePod({ containers: [{ name: 'app', image: 'x', command: ['sh', '-c', 'echo $(A)'], env: [{ name: 'A', value: 'raw' }] }] });
    const spec = appContainerSpec(pod, pod.spec.containers[0] as NonNullable<Pod['spec']['containers'][0]>, {
      node: NODE,
      infraId: 'infra',
      restartCount: 0,
      config: { env: ['A=resolved'], entrypoint: ['sh', '-c', 'echo resolved'], mounts: [{ source: '/h', target: '/c', readOnly: true }] },
    });
    assert.deepEqual(spec.env, ['A=resolved']);
    assert.deepEqual(spec.entrypoint, ['sh', '-c', 'echo resolved']);
    assert.equal(spec.cmd, undefined);
    assert.deepEqual(spec.mounts, [{ source: '/h', target: '/c', readOnly: true }]);
  });
});

describe('PodSyncer with ConfigMaps, Secrets and volumes', () => {
  let clock: FakeClock;
  let rt: FakeRuntime;
  let api: FakeApi;
  let root: string;
  let sources: ConfigSourceManager;
  let syncer: PodSyncer;
  let events: string[];

  beforeEach(async () => {
    clock = new FakeClock();
    rt = new FakeRuntime({ clock });
    api = new FakeApi();
    events = [];
    root = await mkdtemp(path.join(os.tmpdir(), 'skiff-kubelet-root-'));
    sources = new ConfigSourceManager({ api, clock, log: silentLogger() });
    const sink = { record: (_p: Readonly<Pod>, type: string, reason: string, message: string) => void events.push(`${type} ${reason} ${message}`) };
    const allocatable = () => ({ cpu: '4', memory: '8Gi' });
    const volumes = new VolumeManager({ rootDir: root, sources, allocatable, log: silentLogger() });
    const configurator = new ContainerConfigurator({ runtime: rt, sources, volumes, hostIP: '127.0.0.2', allocatable, events: sink, log: silentLogger() });
    syncer = new PodSyncer({
      runtime: rt,
      api,
      clock,
      log: silentLogger(),
      node: NODE,
      hostIP: '127.0.0.2',
      network: `skiff-${NODE}`,
      ensureNetwork: async () => void (await rt.ensureNetwork({ name: `skiff-${NODE}`, labels: { [LABEL_NODE]: NODE } })),
      infraImage: 'skiff/busybox:latest',
      events: sink,
      configurator,
    });
  });
  afterEach(async () => {
    sources.stop();
    await rm(root, { recursive: true, force: true });
  });

  const fresh = (p: Pod) => api.peek<Pod>('pods', p.metadata.namespace ?? '', p.metadata.name ?? '') as Pod;
  const sync = (p: Pod) => syncer.sync(objectKey(p), fresh(p));
  const apps = () => rt.all().filter((c) => c.labels[LABEL_ROLE] === 'app');
  const waitingOf = (p: Pod, name = 'app') => fresh(p).status?.containerStatuses?.find((c) => c.name === name)?.state.waiting;

  it('waits in CreateContainerConfigError while a ConfigMap is missing, retries, and starts once it exists', async () => {
    const pod = await api.create(
      'pods',
      makePod({
        name: 'cfg-pod',
        containers: [
          {
            name: 'app',
            image: 'skiff/busybox:latest',
            command: ['sleep', '3600'],
            env: [
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'mode' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
              { name: 'URL', value: 'http://$(MY_POD_IP):8080/$(MODE)' },
            ],
            envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'app-config' } }],
          },
        ],
      }),
    );
    // Make MY_POD_IP come first so URL can use it.
    const spec = fresh(pod);
    spec.spec.containers[0]?.env?.unshift({ name: 'MY_POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
    await api.update('pods', spec);

    await sync(pod);
    assert.deepEqual(waitingOf(pod), { reason: 'CreateContainerConfigError', message: 'configmap "app-config" not found' });
    assert.equal(apps().length, 0, 'the container is not created');
    assert.equal(fresh(pod).status?.phase, 'Pending');
    assert.ok(events.includes('Warning Failed Error: configmap "app-config" not found'), events.join('\n'));

    await api.create<ConfigMap>('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data: { mode: 'prod' } });
    await sync(pod);
    assert.deepEqual(waitingOf(pod), { reason: 'CreateContainerConfigError', message: 'secret "creds" not found' });

    await api.create<Secret>('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { user: b64('admin') } });
    await sync(pod);
    assert.deepEqual(waitingOf(pod), { reason: 'CreateContainerConfigError', message: "couldn't find key password in Secret default/creds" });

    const secret = api.peek<Secret>('secrets', 'default', 'creds') as Secret;
    await api.update('secrets', { ...secret, data: { ...secret.data, password: b64('hunter2') } });
    clock.advance(10_000);
    await sync(pod);
    const [app] = apps();
    assert.ok(app, 'created once everything exists');
    assert.equal(app.state, 'running');
    const ip = rt.all().find((c) => c.labels[LABEL_ROLE] === 'infra')?.ipAddress;
    assert.ok(ip);
    assert.deepEqual(rt.specOf(app.id).env, ['CFG_mode=prod', `MY_POD_IP=${ip}`, 'MODE=prod', 'PASSWORD=hunter2', `URL=http://${ip}:8080/prod`]);
    assert.equal(fresh(pod).status?.phase, 'Running');
    assert.equal(fresh(pod).status?.containerStatuses?.[0]?.restartCount, 0);

    // Env never changes once the container runs: a ConfigMap update does not touch it.
    const cm = api.peek<ConfigMap>('configmaps', 'default', 'app-config') as ConfigMap;
    await api.update('configmaps', { ...cm, data: { mode: 'staging' } });
    await sync(pod);
    assert.equal(apps().length, 1);
    assert.ok(rt.specOf(app.id).env?.includes('MODE=prod'));
  });

  it('reports a volume mount naming an unknown volume as CreateContainerConfigError', async () => {
    const pod = await api.create('pods', makePod({ name: 'bad-mount', containers: [{ name: 'app', image: 'skiff/busybox:latest', volumeMounts: [{ name: 'ghost', mountPath: '/x' }] }] }));
    await sync(pod);
    assert.deepEqual(waitingOf(pod), { reason: 'CreateContainerConfigError', message: 'cannot find volume "ghost" to mount into container "app"' });
  });

  it('binds volumes into containers and removes them with the pod', async () => {
    await api.create<ConfigMap>('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'files', namespace: 'default' }, data: { 'app.conf': 'x=1' } });
    const base = makePod({
      name: 'vol-pod',
      containers: [
        { name: 'writer', image: 'skiff/busybox:latest', command: ['sleep', '3600'], volumeMounts: [{ name: 'scratch', mountPath: '/data' }, { name: 'cfg', mountPath: '/etc/app' }] },
        { name: 'reader', image: 'skiff/busybox:latest', command: ['sleep', '3600'], volumeMounts: [{ name: 'scratch', mountPath: '/in', readOnly: true }] },
      ],
    });
    base.spec.volumes = [
      { name: 'scratch', emptyDir: {} },
      { name: 'cfg', configMap: { name: 'files' } },
    ];
    const pod = await api.create('pods', base);
    const uid = pod.metadata.uid ?? '';
    await sync(pod);
    const podRoot = path.join(root, 'pods', uid);
    const scratch = path.join(podRoot, 'volumes', 'kubernetes.io~empty-dir', 'scratch');
    const byName = (n: string) => rt.specOf(apps().find((c) => c.labels['skiff.io/container-name'] === n)?.id ?? '');
    assert.deepEqual(byName('writer').mounts, [
      { source: scratch, target: '/data', readOnly: false },
      { source: path.join(podRoot, 'volumes', 'kubernetes.io~configmap', 'cfg'), target: '/etc/app', readOnly: true },
    ]);
    assert.deepEqual(byName('reader').mounts, [{ source: scratch, target: '/in', readOnly: true }]);
    assert.equal(fresh(pod).status?.phase, 'Running');

    await api.delete('pods', 'default', 'vol-pod', { gracePeriodSeconds: 1 });
    const deleting = api.peek<Pod>('pods', 'default', 'vol-pod');
    await syncer.sync('default/vol-pod', deleting);
    assert.equal(apps().length, 0);
    await assert.rejects(stat(podRoot), { code: 'ENOENT' }, 'the pod directory is removed with the pod');
  });

  it('holds a container in ContainerCreating while its volume ConfigMap is missing', async () => {
    const base = makePod({ name: 'waits', containers: [{ name: 'app', image: 'skiff/busybox:latest', volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }] }] });
    base.spec.volumes = [{ name: 'cfg', configMap: { name: 'later' } }];
    const pod = await api.create('pods', base);
    await sync(pod);
    assert.deepEqual(waitingOf(pod), { reason: 'ContainerCreating', message: 'unable to mount volumes: unmounted volumes=[cfg]' });
    assert.ok(events.includes('Warning FailedMount MountVolume.SetUp failed for volume "cfg" : configmap "later" not found'), events.join('\n'));
    await api.create<ConfigMap>('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later', namespace: 'default' }, data: { k: 'v' } });
    await sync(pod);
    assert.equal(apps()[0]?.state, 'running');
  });

  it('reports an OOM-killed container as OOMKilled in lastState after its restart', async () => {
    const pod = await api.create('pods', makePod({ name: 'hog', containers: [{ name: 'app', image: 'skiff/busybox:latest', command: ['sleep', '3600'], resources: { limits: { memory: '32Mi' } } }] }));
    await sync(pod);
    const [first] = apps();
    assert.ok(first);
    assert.equal(rt.specOf(first.id).memoryBytes, 32 * 1024 * 1024);
    assert.equal(rt.specOf(first.id).memorySwapBytes, 32 * 1024 * 1024);
    rt.oom(first.id);
    await sync(pod);
    const status = fresh(pod).status?.containerStatuses?.[0];
    assert.equal(status?.restartCount, 1);
    assert.equal(status?.lastState.terminated?.reason, 'OOMKilled');
    assert.equal(status?.lastState.terminated?.exitCode, 137);
  });
});
