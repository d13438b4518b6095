import assert from 'node:assert/strict';
import { mkdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { errors, type ConfigMap, type Container, type Pod, type Secret } from '@skiff/api';
import { silentLogger } from '@skiff/component';
import { ContainerConfigError, type ConfigSourceReader } from '../pod/container-env.js';
import { makePod } from '../testing/fixtures.js';
import { useTempDir } from '../testing/temp-dir.js';
import { checkHostPathType } from './host-path.js';
import type { Mounter } from './mounter.js';
import { VolumeNotReadyError } from './volume-plan.js';
import { VolumeManager } from './volume-manager.js';

const UID = 'a1b2c3d4-0000-4000-8000-000000000001';

/** ConfigMaps and Secrets in a map the test changes. */
class MapSources implements ConfigSourceReader {
  configMaps = new Map<string, Record<string, string>>();
  secrets = new Map<string, Record<string, string>>();
  async getConfigMap(namespace: string, name: string): Promise<ConfigMap> {
    const data = this.configMaps.get(name);
    if (!data) throw errors.notFound('configmap', name);
    return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
  }
  async getSecret(namespace: string, name: string): Promise<Secret> {
    const data = this.secrets.get(name);
    if (!data) throw errors.notFound('secret', name);
    return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
  }
}

/** Records mounts instead of making them (unit tests do not mount). */
class FakeMounter implements Mounter {
  mounted = new Map<string, number | undefined>();
  fail: Error | undefined;
  async mountTmpfs(dir: string, opts: { sizeBytes?: number; mode: number }): Promise<void> {
    if (this.fail) throw this.fail;
    this.mounted.set(dir, opts.sizeBytes);
  }
  async mountsUnder(dir: string): Promise<string[]> {
    return [...this.mounted.keys()].filter((p) => p === dir || p.startsWith(`${dir}/`));
  }
  async unmount(dir: string): Promise<void> {
    this.mounted.delete(dir);
  }
}

describe('VolumeManager', () => {
  let root: string;
  let sources: MapSources;
  let mounter: FakeMounter;
  let vm: VolumeManager;
  let pod: Pod;
  const volDir = (plugin: string, name: string) => path.join(root, 'pods', UID, 'volumes', plugin, name);

  const tmp = useTempDir('skiff-volumes-');
  beforeEach(() => {
    root = tmp.dir();
    sources = new MapSources();
    mounter = new FakeMounter();
    vm = new VolumeManager({ rootDir: root, sources, allocatable: () => ({ cpu: '4', memory: '8Gi' }), log: silentLogger(), mounter });
    pod = makePod({ name: 'web-1', uid: UID, containers: [{ name: 'app', image: 'skiff/busybox:latest' }] });
  });

  const app = (mounts: Container['volumeMounts']): Container => ({ name: 'app', image: 'skiff/busybox:latest', volumeMounts: mounts ?? [] });

  it('makes an emptyDir (mode 0777) shared by every mount of the pod', async () => {
    pod.spec.volumes = [{ name: 'scratch', emptyDir: {} }];
    const { volumes, events } = await vm.setUpPod(pod);
    assert.deepEqual([...volumes.ready.keys()], ['scratch']);
    assert.deepEqual(events, []);
    const dir = volDir('kubernetes.io~empty-dir', 'scratch');
    assert.equal((await stat(dir)).mode & 0o777, 0o777);
    assert.equal(mounter.mounted.size, 0, 'a disk emptyDir is not a mount');
    const a = await vm.mountsFor(pod, app([{ name: 'scratch', mountPath: '/data' }]));
    const b = await vm.mountsFor(pod, { ...app([{ name: 'scratch', mountPath: '/shared', readOnly: true }]), name: 'other' });
    assert.deepEqual(a, [{ source: dir, target: '/data', readOnly: false }]);
    assert.deepEqual(b, [{ source: dir, target: '/shared', readOnly: true }]);
  });

  it('mounts a tmpfs for medium Memory, sized by sizeLimit, else the pod memory limit, else the node', async () => {
    pod.spec.volumes = [
      { name: 'small', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      { name: 'unsized', emptyDir: { medium: 'Memory' } },
    ];
    await vm.setUpPod(pod);
    assert.equal(mounter.mounted.get(volDir('kubernetes.io~empty-dir', 'small')), 16 * 1024 ** 2);
    assert.equal(mounter.mounted.get(volDir('kubernetes.io~empty-dir', 'unsized')), 8 * 1024 ** 3);
    // A second sync does not mount again over the directory.
    mounter.mounted.clear();
    await vm.setUpPod(pod);
    assert.equal(mounter.mounted.size, 0);

    const limited = makePod({ uid: 'b1b2c3d4-0000-4000-8000-000000000002', containers: [{ name: 'app', image: 'x', resources: { limits: { memory: '64Mi' } } }] });
    limited.spec.volumes = [{ name: 'm', emptyDir: { medium: 'Memory' } }];
    await vm.setUpPod(limited);
    assert.deepEqual([...mounter.mounted.values()], [64 * 1024 ** 2]);
  });

  it('falls back to disk with a warning when a tmpfs cannot be mounted', async () => {
    mounter.fail = new Error('mount: permission denied');
    pod.spec.volumes = [{ name: 'mem', emptyDir: { medium: 'Memory' } }];
    const { volumes, events } = await vm.setUpPod(pod);
    assert.ok(volumes.ready.has('mem'));
    assert.deepEqual(events, [{ type: 'Warning', reason: 'TmpfsUnavailable', message: 'volume "mem" is on disk, not in memory: mount: permission denied' }]);
    assert.equal((await stat(volDir('kubernetes.io~empty-dir', 'mem'))).mode & 0o777, 0o777);
  });

  it('projects a ConfigMap and follows its updates, atomically', async () => {
    sources.configMaps.set('app', { 'app.conf': 'v=1', mode: 'prod' });
    pod.spec.volumes = [{ name: 'cfg', configMap: { name: 'app' } }];
    await vm.setUpPod(pod);
    const dir = volDir('kubernetes.io~configmap', 'cfg');
    assert.equal(await readFile(path.join(dir, 'app.conf'), 'utf8'), 'v=1');
    assert.equal((await stat(path.join(dir, 'mode'))).mode & 0o777, 0o644);
    const before = await readlink(path.join(dir, '..data'));
    await vm.setUpPod(pod);
    assert.equal(await readlink(path.join(dir, '..data')), before, 'an unchanged ConfigMap is not rewritten');
    sources.configMaps.set('app', { 'app.conf': 'v=2' });
    await vm.setUpPod(pod);
    assert.equal(await readFile(path.join(dir, 'app.conf'), 'utf8'), 'v=2');
    await assert.rejects(stat(path.join(dir, 'mode')), { code: 'ENOENT' });
  });

  it('puts Secrets on a tmpfs, decoded, with items and modes', async () => {
    sources.secrets.set('db', { password: 'hunter2', user: 'admin' });
    pod.spec.volumes = [{ name: 'creds', secret: { secretName: 'db', defaultMode: 0o400, items: [{ key: 'password', path: 'pw/password' }] } }];
    await vm.setUpPod(pod);
    const dir = volDir('kubernetes.io~secret', 'creds');
    assert.ok(mounter.mounted.has(dir));
    assert.equal(await readFile(path.join(dir, 'pw', 'password'), 'utf8'), 'hunter2');
    assert.equal((await stat(path.join(dir, 'pw', 'password'))).mode & 0o777, 0o400);
    await assert.rejects(stat(path.join(dir, 'user')), { code: 'ENOENT' });
  });

  it('holds back containers of a volume whose ConfigMap is missing, with a FailedMount event, until it appears', async () => {
    pod.spec.volumes = [{ name: 'cfg', configMap: { name: 'later' } }];
    const first = await vm.setUpPod(pod);
    assert.equal(first.volumes.failed.get('cfg'), 'configmap "later" not found');
    assert.deepEqual(first.events, [{ type: 'Warning', reason: 'FailedMount', message: 'MountVolume.SetUp failed for volume "cfg" : configmap "later" not found' }]);
    await assert.rejects(vm.mountsFor(pod, app([{ name: 'cfg', mountPath: '/etc/cfg' }])), VolumeNotReadyError);
    sources.configMaps.set('later', { k: 'v' });
    const second = await vm.setUpPod(pod);
    assert.equal(second.volumes.failed.size, 0);
    assert.deepEqual(await vm.mountsFor(pod, app([{ name: 'cfg', mountPath: '/etc/cfg' }])), [{ source: volDir('kubernetes.io~configmap', 'cfg'), target: '/etc/cfg', readOnly: true }]);
  });

  it('keeps the last content when a mounted ConfigMap goes away', async () => {
    sources.configMaps.set('app', { k: 'v1' });
    pod.spec.volumes = [{ name: 'cfg', configMap: { name: 'app' } }];
    await vm.setUpPod(pod);
    sources.configMaps.delete('app');
    const { volumes, events } = await vm.setUpPod(pod);
    assert.ok(volumes.ready.has('cfg'));
    assert.equal(events[0]?.reason, 'FailedMount');
    assert.equal(await readFile(path.join(volDir('kubernetes.io~configmap', 'cfg'), 'k'), 'utf8'), 'v1');
    // So does a kubelet that restarted in between (it knows only what is on disk).
    const restarted = new VolumeManager({ rootDir: root, sources, allocatable: () => ({ cpu: '4', memory: '8Gi' }), log: silentLogger() });
    assert.ok((await restarted.setUpPod(pod)).volumes.ready.has('cfg'));
  });

  it('makes an empty volume for a missing optional ConfigMap', async () => {
    pod.spec.volumes = [{ name: 'cfg', configMap: { name: 'nope', optional: true } }];
    const { volumes, events } = await vm.setUpPod(pod);
    assert.ok(volumes.ready.has('cfg'));
    assert.deepEqual(events, []);
    assert.ok(await readlink(path.join(volDir('kubernetes.io~configmap', 'cfg'), '..data')));
  });

  it('writes downwardAPI files and rewrites them when labels change', async () => {
    pod.metadata.labels = { app: 'shop' };
    pod.spec.volumes = [{ name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } }];
    await vm.setUpPod(pod);
    const dir = volDir('kubernetes.io~downward-api', 'info');
    assert.equal(await readFile(path.join(dir, 'labels'), 'utf8'), 'app="shop"');
    pod.metadata.labels = { app: 'shop', tier: 'web' };
    await vm.setUpPod(pod);
    assert.equal(await readFile(path.join(dir, 'labels'), 'utf8'), 'app="shop"\ntier="web"');
    assert.equal(await readFile(path.join(dir, 'name'), 'utf8'), 'web-1');
  });

  it('binds hostPaths after their type check, and reports a failed check', async () => {
    const hostDir = path.join(root, 'host', 'data');
    pod.spec.volumes = [
      { name: 'made', hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
      { name: 'strict', hostPath: { path: path.join(root, 'host', 'nope'), type: 'Directory' } },
    ];
    const { volumes, events } = await vm.setUpPod(pod);
    assert.ok((await stat(hostDir)).isDirectory());
    assert.ok(volumes.ready.has('made'));
    assert.equal(volumes.failed.get('strict'), `hostPath type check failed: ${path.join(root, 'host', 'nope')} is not a directory`);
    assert.equal(events.length, 1);
    assert.deepEqual(await vm.mountsFor(pod, app([{ name: 'made', mountPath: '/host', readOnly: true }])), [{ source: hostDir, target: '/host', readOnly: true }]);
  });

  it('resolves a subPath to its real path now (a snapshot for ConfigMaps), creating directories, refusing escapes', async () => {
    sources.configMaps.set('app', { 'app.conf': 'v=1' });
    pod.spec.volumes = [
      { name: 'cfg', configMap: { name: 'app' } },
      { name: 'scratch', emptyDir: {} },
    ];
    await vm.setUpPod(pod);
    const [conf] = await vm.mountsFor(pod, app([{ name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' }]));
    const cfgDir = volDir('kubernetes.io~configmap', 'cfg');
    assert.equal(conf?.source, path.join(cfgDir, await readlink(path.join(cfgDir, '..data')), 'app.conf'));
    assert.equal(conf?.readOnly, true);
    sources.configMaps.set('app', { 'app.conf': 'v=2' });
    await vm.setUpPod(pod);
    assert.notEqual((await vm.mountsFor(pod, app([{ name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' }])))[0]?.source, conf?.source, 'a new container gets the new version');

    const scratch = volDir('kubernetes.io~empty-dir', 'scratch');
    const [sub] = await vm.mountsFor(pod, app([{ name: 'scratch', mountPath: '/logs', subPath: 'logs/app' }]));
    assert.equal(sub?.source, path.join(scratch, 'logs', 'app'));
    assert.ok((await stat(path.join(scratch, 'logs', 'app'))).isDirectory());

    // A container planted a symlink to the host's /etc in the emptyDir.
    await symlink('/etc', path.join(scratch, 'evil'));
    await assert.rejects(vm.mountsFor(pod, app([{ name: 'scratch', mountPath: '/x', subPath: 'evil' }])), (e: unknown) => e instanceof ContainerConfigError && /outside the volume/.test(e.message));
  });

  it('tears a pod down (unmounting first) and cleans up directories of pods that are gone', async () => {
    sources.secrets.set('db', { pw: 'x' });
    pod.spec.volumes = [{ name: 'creds', secret: { secretName: 'db' } }];
    await vm.setUpPod(pod);
    const other = makePod({ name: 'web-2', uid: 'c1b2c3d4-0000-4000-8000-000000000003' });
    other.spec.volumes = [{ name: 's', emptyDir: {} }];
    await vm.setUpPod(other);
    await mkdir(path.join(root, 'pods', 'not a uid'), { recursive: true });
    await writeFile(path.join(root, 'pods', 'not a uid', 'keep'), 'x');

    const removed = await vm.cleanupOrphans(async () => new Set([UID]));
    assert.deepEqual(removed, ['c1b2c3d4-0000-4000-8000-000000000003']);
    await assert.rejects(stat(path.join(root, 'pods', 'c1b2c3d4-0000-4000-8000-000000000003')), { code: 'ENOENT' });
    assert.ok((await stat(path.join(root, 'pods', UID))).isDirectory());
    assert.ok((await stat(path.join(root, 'pods', 'not a uid', 'keep'))).isFile(), 'what the kubelet did not make stays');

    assert.equal(mounter.mounted.size, 1);
    await vm.tearDownPod(UID);
    assert.equal(mounter.mounted.size, 0, 'the secret tmpfs was unmounted');
    await assert.rejects(stat(path.join(root, 'pods', UID)), { code: 'ENOENT' });
    await vm.tearDownPod(UID);
  });
});

describe('checkHostPathType', () => {
  const tmp = useTempDir('skiff-hostpath-');
  let dir = '';
  beforeEach(() => {
    dir = tmp.dir();
  });

  it('creates for the *OrCreate types and checks the others', async () => {
    await checkHostPathType(path.join(dir, 'd/e'), 'DirectoryOrCreate');
    assert.ok((await stat(path.join(dir, 'd/e'))).isDirectory());
    await checkHostPathType(path.join(dir, 'f'), 'FileOrCreate');
    const f = await stat(path.join(dir, 'f'));
    assert.ok(f.isFile());
    assert.equal(f.size, 0);
    await checkHostPathType(path.join(dir, 'f'), 'File');
    await checkHostPathType(path.join(dir, 'd'), 'Directory');
    await checkHostPathType(path.join(dir, 'untyped'), '');
    assert.ok((await stat(path.join(dir, 'untyped'))).isDirectory());
    await checkHostPathType(path.join(dir, 'f'), undefined);

    await assert.rejects(checkHostPathType(path.join(dir, 'f'), 'Directory'), { message: `hostPath type check failed: ${path.join(dir, 'f')} is not a directory` });
    await assert.rejects(checkHostPathType(path.join(dir, 'd'), 'File'), { message: `hostPath type check failed: ${path.join(dir, 'd')} is not a file` });
    await assert.rejects(checkHostPathType(path.join(dir, 'missing'), 'File'), /is not a file/);
    await assert.rejects(checkHostPathType(path.join(dir, 'd'), 'FileOrCreate'), /is not a file/);
    await assert.rejects(checkHostPathType(path.join(dir, 'f'), 'DirectoryOrCreate'), /is not a directory/);
    await assert.rejects(checkHostPathType(path.join(dir, 'no/parent'), 'FileOrCreate'), { code: 'ENOENT' });
    await assert.rejects(checkHostPathType(path.join(dir, 'f'), 'Socket'), /is not a socket file/);
    await assert.rejects(checkHostPathType(path.join(dir, 'f'), 'Bogus'), { message: 'Bogus is an invalid volume type' });
  });
});
