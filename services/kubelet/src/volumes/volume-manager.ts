// Sets up, refreshes and removes the pods' volumes on the host (Kubernetes' volume manager and its
// emptyDir, hostPath, configMap, secret and downwardAPI plugins, in small).
//
// `setUpPod` runs on every sync of a live pod: it makes what is missing and rewrites the files of
// configMap, secret and downwardAPI volumes through the AtomicWriter when their source changed
// (a no-op when nothing did), so updates reach running containers. A volume that cannot be set up
// the first time (its ConfigMap is missing, a hostPath type check fails) holds back the containers
// that mount it (ContainerCreating, a FailedMount event); one that was set up before keeps its last
// content. `mountsFor` turns a container's volumeMounts into bind mounts; a subPath is resolved to
// the real path of that entry now, so a subPath of a configMap or secret is a snapshot that later
// updates do not reach (as in Kubernetes). `tearDownPod` unmounts and removes a pod's directory once
// its containers are gone; `cleanupOrphans` does that for directories of pods the node no longer has.

import { mkdir, readdir, readlink, realpath, rm, chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Container, isApiError, memoryBytes, type NodeAllocatable, type Pod } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { Clock } from '@skiff/machinery';
import type { ContainerMount } from '../runtime/runtime.js';
import { ContainerConfigError, type ConfigSourceReader } from '../pod/container-env.js';
import { AtomicWriter, DATA_DIR, type FileProjection } from './atomic-writer.js';
import { checkHostPathType } from './host-path.js';
import type { Mounter } from './mounter.js';
import { configMapPayload, downwardAPIPayload, secretPayload } from './payload.js';
import { planMounts, planVolume, podDir, podsDir, validPodUid, type PlannedVolume } from './volume-plan.js';

export interface VolumeEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface PodVolumes {
  /** Volumes containers may mount. */
  ready: Map<string, PlannedVolume>;
  /** Volumes that could not be set up: volume name → why. */
  failed: Map<string, string>;
}

export interface VolumeManagerOptions {
  /** `--root-dir`: pods' volumes go under `<rootDir>/pods/<uid>/volumes`. */
  rootDir: string;
  sources: ConfigSourceReader;
  allocatable: () => NodeAllocatable;
  log: Logger;
  /** Mounts tmpfs (root only); without it memory-backed volumes live on disk. */
  mounter?: Mounter;
  /** Time for the AtomicWriter's directory names. */
  now?: () => Date;
}

const EMPTY_DIR_MODE = 0o777;

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/** The object; undefined when it is missing and `optional`. */
async function optionalRead<T>(read: () => Promise<T>, optional: boolean | undefined): Promise<T | undefined> {
  try {
    return await read();
  } catch (e) {
    if (isApiError(e, 'NotFound') && optional === true) return undefined;
    throw e;
  }
}

async function hasData(dir: string): Promise<boolean> {
  try {
    await readlink(path.join(dir, DATA_DIR));
    return true;
  } catch {
    return false;
  }
}

export class VolumeManager {
  private readonly pods = new Map<string, PodVolumes>();

  constructor(private readonly o: VolumeManagerOptions) {}

  get rootDir(): string {
    return this.o.rootDir;
  }

  /** Makes the pod's volumes current. Problems come back as events (FailedMount) and in `failed`. */
  async setUpPod(pod: Readonly<Pod>): Promise<{ volumes: PodVolumes; events: VolumeEvent[] }> {
    const uid = pod.metadata.uid ?? '';
    const previous = this.pods.get(uid);
    const volumes: PodVolumes = { ready: new Map(), failed: new Map() };
    const events: VolumeEvent[] = [];
    for (const v of pod.spec.volumes ?? []) {
      let planned: PlannedVolume;
      try {
        planned = planVolume(this.o.rootDir, uid, v);
      } catch (e) {
        volumes.failed.set(v.name, errText(e));
        events.push({ type: 'Warning', reason: 'FailedMount', message: `MountVolume.SetUp failed for volume "${v.name}" : ${errText(e)}` });
        continue;
      }
      try {
        const warning = await this.setUpVolume(pod, planned);
        if (warning) events.push({ type: 'Warning', reason: warning.reason, message: warning.message });
        volumes.ready.set(v.name, planned);
      } catch (e) {
        events.push({ type: 'Warning', reason: 'FailedMount', message: `MountVolume.SetUp failed for volume "${v.name}" : ${errText(e)}` });
        // Set up once already: containers keep (and may mount) the last good content.
        const before = previous?.ready.get(v.name);
        const setUpEarlier = before !== undefined || (planned.kind !== 'hostPath' && planned.kind !== 'emptyDir' && (await hasData(planned.hostPath)));
        if (setUpEarlier) volumes.ready.set(v.name, planned);
        else volumes.failed.set(v.name, errText(e));
      }
    }
    this.pods.set(uid, volumes);
    return { volumes, events };
  }

  /** The bind mounts of one container. Throws ContainerConfigError (unknown volume, bad subPath) or
   *  VolumeNotReadyError (a volume that is not set up). */
  async mountsFor(pod: Readonly<Pod>, container: Readonly<Container>): Promise<ContainerMount[]> {
    if ((container.volumeMounts ?? []).length === 0) return [];
    const ready = this.pods.get(pod.metadata.uid ?? '')?.ready ?? new Map<string, PlannedVolume>();
    const mounts: ContainerMount[] = [];
    for (const m of planMounts(pod, container, ready)) {
      let source = m.volume.hostPath;
      if (m.subPath !== undefined) source = await this.resolveSubPath(m.volume, m.subPath);
      mounts.push({ source, target: m.target, readOnly: m.readOnly });
    }
    return mounts;
  }

  /** Unmounts and removes everything the pod had under the root dir. Idempotent. */
  async tearDownPod(uid: string): Promise<void> {
    this.pods.delete(uid);
    if (!validPodUid(uid)) return;
    const dir = podDir(this.o.rootDir, uid);
    if (!(await exists(dir))) return;
    if (this.o.mounter) {
      for (const point of await this.o.mounter.mountsUnder(dir)) {
        try {
          await this.o.mounter.unmount(point);
        } catch (e) {
          this.o.log.warn({ uid, mount: point, err: errText(e) }, 'could not unmount a pod volume');
        }
      }
    }
    await rm(dir, { recursive: true, force: true });
    this.o.log.info({ uid }, 'removed the pod volumes');
  }

  /** Removes the directories of pods that are gone; returns their uids. `active` (the uids of the
   *  node's pods in the API and of its containers) is asked after the directories are listed, so
   *  a pod whose directory is being made is always in it. */
  async cleanupOrphans(active: () => Promise<ReadonlySet<string>>): Promise<string[]> {
    let entries: string[];
    try {
      entries = await readdir(podsDir(this.o.rootDir));
    } catch {
      return [];
    }
    if (entries.length === 0) return [];
    const keep = await active();
    const removed: string[] = [];
    for (const uid of entries) {
      if (keep.has(uid) || !validPodUid(uid)) continue;
      try {
        await this.tearDownPod(uid);
        removed.push(uid);
      } catch (e) {
        this.o.log.warn({ uid, err: errText(e) }, 'could not remove the volumes of a pod that is gone');
      }
    }
    return removed;
  }

  /** `cleanupOrphans` every `intervalMs` until the signal aborts (Kubernetes' cleanupOrphanedPodDirs). */
  async runCleanup(signal: AbortSignal, opts: { clock: Clock; intervalMs: number; active: () => Promise<ReadonlySet<string>> }): Promise<void> {
    while (!signal.aborted) {
      try {
        const removed = await this.cleanupOrphans(opts.active);
        if (removed.length > 0) this.o.log.info({ pods: removed }, 'removed the volumes of pods that are gone');
      } catch (e) {
        this.o.log.warn({ err: errText(e) }, 'volume cleanup failed');
      }
      await opts.clock.sleep(opts.intervalMs, signal);
    }
  }

  // ---- plugins ----

  /** Resolves with a warning to report, if any. */
  private async setUpVolume(pod: Readonly<Pod>, v: PlannedVolume): Promise<VolumeEvent | undefined> {
    const src = v.volume;
    const namespace = pod.metadata.namespace ?? 'default';
    switch (v.kind) {
      case 'hostPath':
        await checkHostPathType(v.hostPath, src.hostPath?.type);
        return undefined;
      case 'emptyDir': {
        const memory = src.emptyDir?.medium === 'Memory';
        return this.ensureDir(v, memory ? this.emptyDirMemorySize(pod, src.emptyDir?.sizeLimit) : undefined, EMPTY_DIR_MODE);
      }
      case 'configMap': {
        const source = src.configMap ?? { name: '' };
        const payload = configMapPayload(source, await optionalRead(() => this.o.sources.getConfigMap(namespace, source.name), source.optional));
        const warning = await this.ensureDir(v, undefined, 0o755);
        await this.project(v, payload);
        return warning;
      }
      case 'secret': {
        const source = src.secret ?? { secretName: '' };
        const payload = secretPayload(source, await optionalRead(() => this.o.sources.getSecret(namespace, source.secretName), source.optional));
        // Secrets stay in memory where the kubelet can mount a tmpfs (Kubernetes' secret volumes are tmpfs).
        const warning = await this.ensureDir(v, memoryBytes(this.o.allocatable().memory), 0o755);
        await this.project(v, payload);
        return warning;
      }
      case 'downwardAPI': {
        const payload = downwardAPIPayload(pod, src.downwardAPI ?? {}, this.o.allocatable());
        await this.ensureDir(v, undefined, 0o755);
        await this.project(v, payload);
        return undefined;
      }
    }
  }

  private async project(v: PlannedVolume, payload: Map<string, FileProjection>): Promise<void> {
    const writer = new AtomicWriter(v.hostPath, this.o.now);
    if (await writer.write(payload)) this.o.log.debug({ volume: v.name, dir: v.hostPath, files: payload.size }, 'volume content written');
  }

  /** Creates the volume's directory the first time (a tmpfs on it when `tmpfsBytes` is given and the
   *  kubelet can mount; on disk otherwise, with a warning). An existing directory is left as it is:
   *  a tmpfs is never mounted over content. */
  private async ensureDir(v: PlannedVolume, tmpfsBytes: number | undefined, mode: number): Promise<VolumeEvent | undefined> {
    if (await exists(v.hostPath)) return undefined;
    await mkdir(v.hostPath, { recursive: true, mode: 0o750 });
    let warning: VolumeEvent | undefined;
    if (tmpfsBytes !== undefined) {
      if (this.o.mounter) {
        try {
          await this.o.mounter.mountTmpfs(v.hostPath, { sizeBytes: tmpfsBytes, mode });
        } catch (e) {
          warning = { type: 'Warning', reason: 'TmpfsUnavailable', message: `volume "${v.name}" is on disk, not in memory: ${errText(e)}` };
        }
      } else {
        warning = { type: 'Warning', reason: 'TmpfsUnavailable', message: `volume "${v.name}" is on disk, not in memory: the kubelet cannot mount a tmpfs` };
      }
      if (warning) this.o.log.warn({ volume: v.name, dir: v.hostPath }, warning.message);
    }
    await chmod(v.hostPath, mode);
    return warning;
  }

  /** Kubernetes' calculateEmptyDirMemorySize: node allocatable, or less: the pod's memory limit
   *  (when every container has one), or less: the volume's sizeLimit. */
  private emptyDirMemorySize(pod: Readonly<Pod>, sizeLimit: string | undefined): number {
    let size = memoryBytes(this.o.allocatable().memory);
    const containers = pod.spec.containers;
    if (containers.length > 0 && containers.every((c) => memoryBytes(c.resources?.limits?.memory) > 0)) {
      const podLimit = containers.reduce((sum, c) => sum + memoryBytes(c.resources?.limits?.memory), 0);
      if (podLimit > 0 && (size === 0 || podLimit <= size)) size = podLimit;
    }
    const limit = memoryBytes(sizeLimit);
    if (limit > 0 && (size === 0 || limit <= size)) size = limit;
    return size;
  }

  /** The real path of one entry of a volume (created as a directory when missing), refused when
   *  it resolves outside the volume (a symlink planted in an emptyDir must not expose the host). */
  private async resolveSubPath(v: PlannedVolume, subPath: string): Promise<string> {
    const candidate = path.join(v.hostPath, subPath);
    if (!(await exists(candidate))) await mkdir(candidate, { recursive: true, mode: 0o755 });
    const [real, base] = await Promise.all([realpath(candidate), realpath(v.hostPath)]);
    if (real !== base && !real.startsWith(`${base}${path.sep}`)) {
      throw new ContainerConfigError(`subPath "${subPath}" of volume "${v.name}" resolves to ${real}, outside the volume`);
    }
    return real;
  }
}
