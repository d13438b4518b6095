import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Container, Volume } from '@skiff/api';
import { ContainerConfigError } from '../pod/container-env.js';
import { makePod } from '../testing/fixtures.js';
import { planMounts, planVolume, podDir, VolumeNotReadyError, type PlannedVolume } from './volume-plan.js';

const ROOT = '/var/lib/skiff/kubelet/node-a';
const UID = '6f1c2d3e-0000-4000-8000-000000000001';

describe('planVolume', () => {
  it('puts each managed kind under pods/<uid>/volumes/<plugin>/<name>; API data volumes are read-only', () => {
    const cases: [Volume, string, boolean][] = [
      [{ name: 'scratch', emptyDir: {} }, 'kubernetes.io~empty-dir/scratch', false],
      [{ name: 'cfg', configMap: { name: 'app' } }, 'kubernetes.io~configmap/cfg', true],
      [{ name: 'creds', secret: { secretName: 'db' } }, 'kubernetes.io~secret/creds', true],
      [{ name: 'info', downwardAPI: { items: [] } }, 'kubernetes.io~downward-api/info', true],
    ];
    for (const [v, rel, ro] of cases) {
      const p = planVolume(ROOT, UID, v);
      assert.equal(p.hostPath, `${ROOT}/pods/${UID}/volumes/${rel}`);
      assert.equal(p.readOnly, ro, v.name);
    }
  });

  it('binds a hostPath as it is, and refuses relative paths, unknown kinds and odd names', () => {
    assert.equal(planVolume(ROOT, UID, { name: 'logs', hostPath: { path: '/var/log/../log' } }).hostPath, '/var/log');
    assert.throws(() => planVolume(ROOT, UID, { name: 'logs', hostPath: { path: 'var/log' } }), /must be an absolute path/);
    assert.throws(() => planVolume(ROOT, UID, { name: 'nothing' }), /no source the kubelet supports/);
    assert.throws(() => planVolume(ROOT, UID, { name: '../escape', emptyDir: {} }), /invalid volume name/);
  });

  it('refuses a pod uid that is not a plain directory name', () => {
    assert.throws(() => podDir(ROOT, '../../etc'), /invalid pod uid/);
    assert.throws(() => podDir(ROOT, ''), /invalid pod uid/);
  });
});

describe('planMounts', () => {
  const pod = makePod({ uid: UID });
  pod.spec.volumes = [
    { name: 'scratch', emptyDir: {} },
    { name: 'cfg', configMap: { name: 'app' } },
    { name: 'broken', configMap: { name: 'gone' } },
  ];
  const ready = new Map<string, PlannedVolume>(['scratch', 'cfg'].map((n) => [n, planVolume(ROOT, UID, pod.spec.volumes?.find((v) => v.name === n) as Volume)]));
  const container = (mounts: Container['volumeMounts']): Container => ({ name: 'app', image: 'x', volumeMounts: mounts ?? [] });

  it('maps mounts in order with readOnly honoured, and forced for API data', () => {
    const plan = planMounts(
      pod,
      container([
        { name: 'scratch', mountPath: '/data' },
        { name: 'scratch', mountPath: '/ro', readOnly: true },
        { name: 'cfg', mountPath: '/etc/app', readOnly: false },
        { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' },
      ]),
      ready,
    );
    assert.deepEqual(
      plan.map((m) => [m.volume.name, m.target, m.readOnly, m.subPath]),
      [
        ['scratch', '/data', false, undefined],
        ['scratch', '/ro', true, undefined],
        ['cfg', '/etc/app', true, undefined],
        ['cfg', '/etc/app.conf', true, 'app.conf'],
      ],
    );
  });

  it('rejects a mount naming an unknown volume as a config error, with Kubernetes message', () => {
    assert.throws(() => planMounts(pod, container([{ name: 'ghost', mountPath: '/x' }]), ready), (e: unknown) => e instanceof ContainerConfigError && e.message === 'cannot find volume "ghost" to mount into container "app"');
  });

  it('holds a container whose declared volume is not set up', () => {
    assert.throws(() => planMounts(pod, container([{ name: 'broken', mountPath: '/x' }]), ready), (e: unknown) => e instanceof VolumeNotReadyError && e.message === 'unmounted volumes=[broken]');
  });

  it('refuses subPaths that leave the volume and relative mount paths', () => {
    assert.throws(() => planMounts(pod, container([{ name: 'scratch', mountPath: '/x', subPath: '../../etc' }]), ready), /must not contain '..'/);
    assert.throws(() => planMounts(pod, container([{ name: 'scratch', mountPath: '/x', subPath: '/etc' }]), ready), /must be a relative path/);
    assert.throws(() => planMounts(pod, container([{ name: 'scratch', mountPath: 'rel' }]), ready), /must be an absolute path/);
  });
});
