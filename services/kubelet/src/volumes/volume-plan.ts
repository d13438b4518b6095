// Where a pod's volumes live on the host and how they are bound into its containers (pure).
//
//   <root-dir>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>
//   <root-dir>/pods/<uid>/volumes/kubernetes.io~configmap/<name>
//   <root-dir>/pods/<uid>/volumes/kubernetes.io~secret/<name>
//   <root-dir>/pods/<uid>/volumes/kubernetes.io~downward-api/<name>
//
// (Kubernetes' plugin directory names, as under /var/lib/kubelet.) A hostPath volume is the host
// path itself. ConfigMap, Secret and downwardAPI volumes are always bound read-only, as
// Kubernetes does since its API-data volumes became read-only; the others honour
// `volumeMounts[].readOnly`. A `subPath` binds one entry of the volume (resolved by the volume
// manager, which also keeps it inside the volume).

import path from 'node:path';
import type { Container, Pod, Volume } from '@skiff/api';
import { ContainerConfigError } from '../pod/container-env.js';

export type VolumeKind = 'emptyDir' | 'hostPath' | 'configMap' | 'secret' | 'downwardAPI';

export const PLUGIN_DIRS: Record<Exclude<VolumeKind, 'hostPath'>, string> = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
};

/** Volumes the container needs are not set up (yet): it waits in ContainerCreating. */
export class VolumeNotReadyError extends Error {
  constructor(readonly volumes: string[]) {
    super(`unmounted volumes=[${volumes.join(' ')}]`);
    this.name = 'VolumeNotReadyError';
  }
}

export interface PlannedVolume {
  name: string;
  kind: VolumeKind;
  /** The host directory (or, for hostPath, file or directory) that is bound. */
  hostPath: string;
  /** Bound read-only whatever the mount says. */
  readOnly: boolean;
  volume: Readonly<Volume>;
}

export interface PlannedMount {
  volume: PlannedVolume;
  /** Where in the container. */
  target: string;
  readOnly: boolean;
  /** Relative path inside the volume, when only one entry is bound. */
  subPath?: string;
}

/** A pod uid is used as a directory name: only UUID-ish characters. */
export function validPodUid(uid: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(uid) && uid.length <= 128;
}

export function podsDir(rootDir: string): string {
  return path.join(rootDir, 'pods');
}

export function podDir(rootDir: string, uid: string): string {
  if (!validPodUid(uid)) throw new Error(`invalid pod uid ${JSON.stringify(uid)}`);
  return path.join(podsDir(rootDir), uid);
}

export function volumeKind(v: Readonly<Volume>): VolumeKind | undefined {
  if (v.emptyDir) return 'emptyDir';
  if (v.hostPath) return 'hostPath';
  if (v.configMap) return 'configMap';
  if (v.secret) return 'secret';
  if (v.downwardAPI) return 'downwardAPI';
  return undefined;
}

/** The host side of one volume; throws for a volume of no kind the kubelet knows. */
export function planVolume(rootDir: string, uid: string, v: Readonly<Volume>): PlannedVolume {
  const kind = volumeKind(v);
  if (!kind) throw new Error(`volume "${v.name}" has no source the kubelet supports (emptyDir, hostPath, configMap, secret, downwardAPI)`);
  if (kind === 'hostPath') {
    const p = v.hostPath?.path ?? '';
    if (!path.isAbsolute(p)) throw new Error(`hostPath "${p}" of volume "${v.name}" must be an absolute path`);
    return { name: v.name, kind, hostPath: path.normalize(p), readOnly: false, volume: v };
  }
  if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*$/.test(v.name) || v.name.includes('..')) throw new Error(`invalid volume name ${JSON.stringify(v.name)}`);
  return {
    name: v.name,
    kind,
    hostPath: path.join(podDir(rootDir, uid), 'volumes', PLUGIN_DIRS[kind], v.name),
    readOnly: kind !== 'emptyDir',
    volume: v,
  };
}

/** Why a subPath is refused, or undefined (relative, no `..` element). */
export function invalidSubPath(subPath: string): string | undefined {
  if (path.posix.isAbsolute(subPath)) return `subPath "${subPath}" must be a relative path`;
  if (subPath.split('/').includes('..')) return `subPath "${subPath}" must not contain '..'`;
  return undefined;
}

/** The mounts of one container, in `volumeMounts` order. Throws ContainerConfigError for a mount
 *  naming a volume the pod does not have, or a bad subPath; VolumeNotReadyError for a declared
 *  volume missing from `volumes`. */
export function planMounts(pod: Readonly<Pod>, container: Readonly<Container>, volumes: ReadonlyMap<string, PlannedVolume>): PlannedMount[] {
  return (container.volumeMounts ?? []).map((m) => {
    const volume = volumes.get(m.name);
    if (!volume) {
      if ((pod.spec.volumes ?? []).some((v) => v.name === m.name)) throw new VolumeNotReadyError([m.name]);
      throw new ContainerConfigError(`cannot find volume "${m.name}" to mount into container "${container.name}"`);
    }
    if (!path.posix.isAbsolute(m.mountPath)) throw new ContainerConfigError(`mountPath "${m.mountPath}" of volume "${m.name}" must be an absolute path`);
    const planned: PlannedMount = { volume, target: m.mountPath, readOnly: volume.readOnly || m.readOnly === true };
    const sub = m.subPath ?? '';
    if (sub !== '') {
      const problem = invalidSubPath(sub);
      if (problem) throw new ContainerConfigError(problem);
      planned.subPath = path.posix.normalize(sub);
    }
    return planned;
  });
}
