// How a pod's containers become Docker containers: the infra container that owns the pod's
// network namespace, and each app container joined to it with `NetworkMode: container:<infra>`.
// Both run an init process (`Init: true`), so SIGTERM reaches the program and a stop is fast.
//
// The specs are pure (`infraContainerSpec`, `appContainerSpec`). What an app container needs from
// outside (its environment from ConfigMaps, Secrets, the downward API and Services, `$(VAR)` in
// command and args, the bind mounts of its volumes and of the pod's /etc/resolv.conf and
// /etc/hosts) the ContainerConfigurator resolves first; a container that
// cannot be resolved is not created (CreateContainerConfigError, or ContainerCreating while a
// volume is not set up) and is tried again on the next sync. Resources follow Kubernetes'
// kuberuntime_container_linux.go: limits.cpu → NanoCpus (the CFS quota), requests.cpu → CpuShares
// (MilliCPUToShares, 2 at least), limits.memory → Memory and MemorySwap (no swap: exceeding the
// limit is an OOM kill).

import { type Container, cpuMillis, memoryBytes, type NodeAllocatable, type Pod, type Service } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { ContainerMount, ContainerRuntime, ContainerSpec } from '../runtime/runtime.js';
import { ApiSourceReader } from '../config-sources/api-source-reader.js';
import type { VolumeManager } from '../volumes/volume-manager.js';
import { ContainerConfigError, expandCommand, makeEnvironmentVariables, type ConfigSourceReader } from './container-env.js';
import type { PodNetworkFiles } from './pod-network-files.js';
import { serviceEnvVarMap } from './service-env.js';
import {
  INFRA_CONTAINER_NAME,
  LABEL_ATTEMPT,
  LABEL_GRACE_PERIOD,
  LABEL_IMAGE,
  LABEL_RESTART_COUNT,
  containerLabels,
  dockerContainerName,
} from './labels.js';

/** Sleeps "forever" (2^31-1 seconds): the infra container only holds the namespaces. */
export const INFRA_COMMAND = ['sleep', '2147483647'];

export function gracePeriodOf(pod: Readonly<Pod>): number {
  return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
}

/** The pod's hostname: `spec.hostname` or the pod's name, cut to a DNS label. */
export function podHostname(pod: Readonly<Pod>): string {
  return (pod.spec.hostname ?? pod.metadata.name ?? 'pod').slice(0, 63).replace(/[.-]+$/, '');
}

export function infraContainerSpec(pod: Readonly<Pod>, opts: { node: string; image: string; network: string; attempt: number }): ContainerSpec {
  return {
    name: dockerContainerName(pod, INFRA_CONTAINER_NAME, opts.attempt),
    image: opts.image,
    entrypoint: [INFRA_COMMAND[0] ?? 'sleep'],
    cmd: INFRA_COMMAND.slice(1),
    labels: {
      ...containerLabels(opts.node, pod, INFRA_CONTAINER_NAME, 'infra'),
      [LABEL_ATTEMPT]: String(opts.attempt),
      [LABEL_GRACE_PERIOD]: String(pod.spec.terminationGracePeriodSeconds ?? 30),
    },
    networkMode: opts.network,
    hostname: podHostname(pod),
    init: true,
  };
}

/** What the ContainerConfigurator resolved for one container. */
export interface ResolvedContainerConfig {
  /** `NAME=value`. */
  env: string[];
  /** `command` and `args` with `$(VAR)` expanded. */
  entrypoint?: string[];
  cmd?: string[];
  mounts: ContainerMount[];
  /** Settles once files that hold the pod's IP (its /etc/hosts) are written: await it before
   *  starting the container. */
  ready?: Promise<void>;
}

/** Kubernetes' MilliCPUToShares: 1024 shares per CPU, at least 2, at most 262144. */
export function milliCPUToShares(millis: number): number {
  if (millis <= 0) return 2;
  return Math.min(262_144, Math.max(2, Math.floor((millis * 1024) / 1000)));
}

/** Docker's resource settings of a container (kuberuntime calculateLinuxResources). */
export function containerResources(container: Readonly<Container>): Pick<ContainerSpec, 'nanoCpus' | 'cpuShares' | 'memoryBytes' | 'memorySwapBytes'> {
  const out: Pick<ContainerSpec, 'nanoCpus' | 'cpuShares' | 'memoryBytes' | 'memorySwapBytes'> = {};
  const limits = container.resources?.limits;
  const requests = container.resources?.requests;
  const cpuLimit = cpuMillis(limits?.cpu);
  if (cpuLimit > 0) out.nanoCpus = cpuLimit * 1_000_000;
  // A limit without a request means request = limit (the apiserver defaults it; the kubelet repeats it).
  out.cpuShares = milliCPUToShares(requests?.cpu === undefined && cpuLimit > 0 ? cpuLimit : cpuMillis(requests?.cpu));
  const memory = memoryBytes(limits?.memory);
  if (memory > 0) {
    out.memoryBytes = memory;
    out.memorySwapBytes = memory;
  }
  return out;
}

export function appContainerSpec(
  pod: Readonly<Pod>,
  container: Readonly<Container>,
  opts: { node: string; infraId: string; restartCount: number; image?: string; config?: ResolvedContainerConfig },
): ContainerSpec {
  const spec: ContainerSpec = {
    name: dockerContainerName(pod, container, opts.restartCount),
    image: opts.image ?? container.image,
    labels: {
      ...containerLabels(opts.node, pod, container.name, 'app'),
      [LABEL_RESTART_COUNT]: String(opts.restartCount),
      [LABEL_GRACE_PERIOD]: String(pod.spec.terminationGracePeriodSeconds ?? 30),
      [LABEL_IMAGE]: container.image,
    },
    networkMode: `container:${opts.infraId}`,
    init: true,
  };
  const config = opts.config;
  const entrypoint = config ? config.entrypoint : container.command;
  const cmd = config ? config.cmd : container.args;
  if (entrypoint !== undefined) spec.entrypoint = [...entrypoint];
  if (cmd !== undefined) spec.cmd = [...cmd];
  if (config) {
    if (config.env.length > 0) spec.env = [...config.env];
    if (config.mounts.length > 0) spec.mounts = config.mounts.map((m) => ({ ...m }));
  } else if (container.env !== undefined) {
    spec.env = container.env.map((e) => `${e.name}=${e.value ?? ''}`);
  }
  if (container.workingDir !== undefined) spec.workingDir = container.workingDir;
  Object.assign(spec, containerResources(container));
  return spec;
}

/** Where events about a pod go (the PodSyncer's sink fits). */
export interface PodEventSink {
  record(obj: Readonly<Pod>, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** The Services the kubelet knows (an Informer<Service> fits). */
export interface ServiceLister {
  hasSynced(): boolean;
  list(): readonly Readonly<Service>[];
}

/** Optional watch registration (the ConfigSourceManager). */
export interface SourceRegistry {
  registerPod(podKey: string, pod: Readonly<Pod>): void;
  unregisterPod(podKey: string): void;
}

export interface ContainerConfiguratorOptions {
  runtime: Pick<ContainerRuntime, 'inspectContainer'>;
  /** Where ConfigMaps and Secrets are read. */
  sources: ConfigSourceReader & Partial<SourceRegistry>;
  /** Without one, a container with volumeMounts cannot be configured. */
  volumes?: VolumeManager;
  /** The node's address: status.hostIP. */
  hostIP: string;
  allocatable: () => NodeAllocatable;
  events?: PodEventSink;
  log: Logger;
  /** Services for `<NAME>_SERVICE_HOST` variables; without it, none are set. */
  services?: ServiceLister;
  /** The pod's resolv.conf and hosts files; without it containers keep Docker's. */
  networkFiles?: PodNetworkFiles;
}

/** The sandbox a container joins: its IP is the pod's (status.podIP). */
export interface SandboxRef {
  id: string;
  /** Settles once the sandbox has been started (when it is being started in this sync). */
  started?: Promise<unknown>;
}

/** Resolves what app containers need beyond their spec, and keeps pods' volumes current. */
export class ContainerConfigurator {
  constructor(private readonly o: ContainerConfiguratorOptions) {}

  /** A default for a syncer built without one: direct API reads, no volumes. */
  static direct(o: Omit<ContainerConfiguratorOptions, 'sources'> & { api: ConstructorParameters<typeof ApiSourceReader>[0] }): ContainerConfigurator {
    const { api, ...rest } = o;
    return new ContainerConfigurator({ ...rest, sources: new ApiSourceReader(api) });
  }

  get volumes(): VolumeManager | undefined {
    return this.o.volumes;
  }

  /** On every sync of a live pod: watch its ConfigMaps and Secrets, set up and refresh its volumes. */
  async preparePod(podKey: string, pod: Readonly<Pod>): Promise<void> {
    // A finished pod starts nothing again: nothing to watch or refresh (its volumes go with it).
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
      this.podGone(podKey);
      return;
    }
    this.o.sources.registerPod?.(podKey, pod);
    if (!this.o.volumes || (pod.spec.volumes ?? []).length === 0) return;
    const { events } = await this.o.volumes.setUpPod(pod);
    for (const e of events) this.o.events?.record(pod, e.type, e.reason, e.message);
  }

  /** The pod left the node (or the API): stop watching for it. */
  podGone(podKey: string): void {
    this.o.sources.unregisterPod?.(podKey);
  }

  /** Removes a pod's volumes; call once its containers are gone. A failure is logged, not thrown:
   *  the pod may still leave, and the orphan cleanup tries again. */
  async tearDownVolumes(uid: string): Promise<void> {
    try {
      await this.o.volumes?.tearDownPod(uid);
    } catch (e) {
      this.o.log.warn({ uid, err: e instanceof Error ? e.message : String(e) }, 'could not remove the pod volumes');
    }
  }

  /** Env, command and mounts of one app container. Throws ContainerConfigError or VolumeNotReadyError. */
  async resolve(pod: Readonly<Pod>, container: Readonly<Container>, sandbox: SandboxRef): Promise<ResolvedContainerConfig> {
    let ip: Promise<string> | undefined;
    const podIP = (): Promise<string> =>
      (ip ??= (async () => {
        await sandbox.started;
        return (await this.o.runtime.inspectContainer(sandbox.id))?.ipAddress ?? '';
      })());
    const env = await makeEnvironmentVariables(pod, container, {
      sources: this.o.sources,
      hostIP: this.o.hostIP,
      allocatable: this.o.allocatable(),
      podIP,
      warn: (reason, message) => this.o.events?.record(pod, 'Warning', reason, message),
      ...(this.o.services ? { serviceEnv: this.serviceEnv(pod) } : {}),
    });
    let mounts: ContainerMount[] = [];
    if ((container.volumeMounts ?? []).length > 0) {
      if (!this.o.volumes) throw new ContainerConfigError(`container "${container.name}" mounts volumes, but this kubelet has no root directory for them`);
      mounts = await this.o.volumes.mountsFor(pod, container);
    }
    let ready: Promise<void> | undefined;
    if (this.o.networkFiles) {
      const files = await this.o.networkFiles.mountsFor(pod, container, podIP);
      for (const e of files.events) this.o.events?.record(pod, 'Warning', e.reason, e.message);
      mounts = [...mounts, ...files.mounts];
      ready = files.ready;
    }
    const config: ResolvedContainerConfig = { env: env.map((e) => `${e.name}=${e.value}`), mounts, ...(ready ? { ready } : {}) };
    const entrypoint = expandCommand(container.command, env);
    const cmd = expandCommand(container.args, env);
    if (entrypoint !== undefined) config.entrypoint = entrypoint;
    if (cmd !== undefined) config.cmd = cmd;
    return config;
  }

  /** getServiceEnvVarMap; like Kubernetes, no container starts before the Services were listed once. */
  private serviceEnv(pod: Readonly<Pod>): Map<string, string> {
    const services = this.o.services;
    if (!services) return new Map();
    if (!services.hasSynced()) throw new ContainerConfigError('services have not yet been read at least once, cannot construct envvars');
    return serviceEnvVarMap(services.list(), pod.metadata.namespace ?? 'default', pod.spec.enableServiceLinks !== false);
  }
}
