// The thin executor: one sync of one pod key (`namespace/name`), run by a single worker at a time
// for that key. It reads the pod's containers from the runtime, removes containers of other pods
// that had this name (orphans), terminates a pod being deleted, or applies computePodActions, then
// writes the status computed from what the runtime holds afterwards.

import { isApiError, objectKey, splitKey, type Container, type Pod, type PodStatus } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import type { Clock } from '@skiff/machinery';
import type { KubeletMetrics } from '../metrics.js';
import { RuntimeConflictError, RuntimeNotFoundError, type ContainerRuntime, type ContainerSpec } from '../runtime/runtime.js';
import { Backoff } from './backoff.js';
import { appContainerSpec, ContainerConfigurator, gracePeriodOf, infraContainerSpec, type ResolvedContainerConfig } from './container-config.js';
import { ContainerConfigError } from './container-env.js';
import { NetworkNotReadyError, networkNotReadyMessage } from '../network/node-network.js';
import { VolumeNotReadyError } from '../volumes/volume-plan.js';
import { ContainerObserver } from './container-observer.js';
import { ProbeManager } from '../probes/probe-manager.js';
import { Prober, type ContainerProber } from '../probes/prober.js';
import { HookRunner } from './lifecycle-hooks.js';
import { ImageManager } from './image-manager.js';
import { groupObserved, type ObservedContainer, type ObservedPod } from './observed.js';
import { computePodActions, type ContainerStart, type PodActions } from './pod-actions.js';
import { allContainersRunning, computePodStatus, type WaitingReason } from './pod-status.js';
import { StatusManager } from './status-manager.js';

/** What the syncer needs of the API. */
export type PodApi = Pick<ApiClient, 'get' | 'updateStatus' | 'delete'>;

/** Where Events go (machinery's EventRecorder fits). */
export interface EventSink {
  record(obj: Readonly<Pod>, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface PodSyncerOptions {
  runtime: ContainerRuntime;
  api: PodApi;
  clock: Clock;
  log: Logger;
  node: string;
  /** The node's address: the pods' hostIP. */
  hostIP: string;
  /** The node's Docker network. */
  network: string;
  /** Makes sure the network exists (memoized by the caller; `recheck` asks again, e.g. after someone removed it). */
  ensureNetwork: (recheck?: boolean) => Promise<void>;
  /** A pod sandbox started (its network port exists): the node network sets hairpin mode on it. */
  onSandboxStarted?: () => void;
  infraImage: string;
  registry?: string;
  events?: EventSink;
  metrics?: KubeletMetrics;
  /** Env from ConfigMaps/Secrets/downward API and volumes; default: direct API reads, no volumes. */
  configurator?: ContainerConfigurator;
  /** Runs probes (default: the real Prober on the runtime; tests script one). */
  prober?: ContainerProber;
}

export interface SyncResult {
  requeueAfterMs?: number;
}

/** How soon a pod that waits for the node's network is synced again (the network's readiness also
 *  enqueues it at once). */
const NETWORK_RETRY_MS = 5_000;

/** Kubernetes' minimum grace for killing containers of pods it no longer knows. */
const MIN_GRACE_SECONDS = 2;

/** Kubernetes waits for a postStart hook without limit; Skiff gives up after 2 minutes, so a hung
 *  hook cannot hold the pod's worker (and its deletion) forever. */
const POST_START_TIMEOUT_MS = 120_000;

export class PodSyncer {
  readonly observer: ContainerObserver;
  readonly backoff: Backoff;
  readonly statuses: StatusManager;
  readonly configurator: ContainerConfigurator;
  readonly probes: ProbeManager;
  private readonly hooks: HookRunner;
  private readonly images: ImageManager;
  /** Pods whose start we measure: uid → creation time (ms). */
  private readonly startTracking = new Map<string, number>();

  constructor(private readonly o: PodSyncerOptions) {
    this.observer = new ContainerObserver(o.runtime, o.node);
    this.backoff = new Backoff(o.clock);
    this.statuses = new StatusManager(o.api);
    this.images = new ImageManager(o.runtime, o.clock, o.registry);
    const prober = o.prober ?? new Prober({ runtime: o.runtime, clock: o.clock, log: o.log, ...(o.events ? { events: o.events } : {}), ...(o.metrics ? { metrics: o.metrics } : {}) });
    this.probes = new ProbeManager({ prober, clock: o.clock, log: o.log });
    this.hooks = new HookRunner({ runtime: o.runtime, clock: o.clock });
    this.configurator =
      o.configurator ??
      ContainerConfigurator.direct({ api: o.api, runtime: o.runtime, hostIP: o.hostIP, allocatable: () => ({ cpu: '0', memory: '0' }), log: o.log, ...(o.events ? { events: o.events } : {}) });
  }

  async sync(key: string, pod: Readonly<Pod> | undefined): Promise<SyncResult> {
    const { namespace, name } = splitKey(key);
    const all = await this.observer.podContainers(namespace, name);
    const uid = pod?.metadata.uid;
    const orphans = all.filter((c) => c.podUid !== uid);
    if (orphans.length > 0) await this.removeOrphans(key, orphans);
    if (!pod || !uid) {
      this.configurator.podGone(key);
      return {};
    }

    const observed = groupObserved(uid, all);
    if (pod.metadata.deletionTimestamp) {
      this.probes.removePod(uid);
      await this.terminate(pod, observed);
      return {};
    }
    this.probes.addPod(pod);

    await this.configurator.preparePod(key, pod);
    const actions = computePodActions(pod, observed, {
      backOff: (container, finishedAt) => this.backoff.inBackOffSince(backoffKey(uid, container), finishedAt),
      probeFailure: (container, id) => this.probes.failure(uid, container, id),
    });
    const waiting = new Map<string, WaitingReason>();
    for (const b of actions.backOff) {
      waiting.set(b.name, { reason: 'CrashLoopBackOff', message: b.message });
      this.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${b.name} in pod ${podDesc(pod)}`);
    }
    if (actions.createSandbox && observed.infra.length === 0 && observed.containers.size === 0) {
      this.startTracking.set(uid, Date.parse(pod.metadata.creationTimestamp ?? '') || this.o.clock.now());
    }
    // Without the node's network (no pod CIDR yet) the pod waits, ContainerCreating, as Kubernetes'
    // syncPod does with its NetworkNotReady event.
    let networkNotReady = false;
    try {
      await this.execute(pod, observed, actions, waiting);
    } catch (e) {
      if (!(e instanceof NetworkNotReadyError)) throw e;
      networkNotReady = true;
      this.event(pod, 'Warning', 'NetworkNotReady', `network is not ready: ${networkNotReadyMessage(e.message)}`);
    }

    const after = groupObserved(uid, await this.observer.podContainers(namespace, name));
    const status = await this.statuses.write(pod, (base) =>
      computePodStatus(base, after, { now: this.o.clock.now(), hostIP: this.o.hostIP, waiting, probes: this.probes.statusSource(uid) }),
    );
    if (status) {
      this.probes.updatePodStatus(pod, status);
      this.trackStart(pod, status);
    }
    const remaining = [...actions.backOff.map((b) => b.remainingMs + 50), ...(networkNotReady ? [NETWORK_RETRY_MS] : [])];
    return remaining.length > 0 ? { requeueAfterMs: Math.min(...remaining) } : {};
  }

  /** Forgets what the syncer remembers about a pod that is gone. */
  forgetPod(uid: string): void {
    this.backoff.forgetPrefix(`${uid}/`);
    this.statuses.forget(uid);
    this.probes.removePod(uid);
    this.startTracking.delete(uid);
  }

  // ---- applying actions ----

  private async execute(pod: Readonly<Pod>, observed: ObservedPod, actions: PodActions, waiting: Map<string, WaitingReason>): Promise<void> {
    const grace = gracePeriodOf(pod);
    const podIP = (): Promise<string | undefined> => this.podIP(observed, actions.sandboxId);
    await Promise.all(
      actions.containersToKill.map(async (k) => {
        this.event(pod, 'Normal', 'Killing', `${k.message}`);
        await this.killContainer(pod, k.name, k.id, k.gracePeriodSeconds ?? grace, podIP);
      }),
    );
    if (actions.killPod) await this.killPod(pod, observed, grace, new Set(actions.containersToKill.map((k) => k.id)));

    let infraId = actions.sandboxId;
    let infraStarted: Promise<unknown> = Promise.resolve();
    if (actions.createSandbox) {
      infraId = await this.createSandbox(pod, actions.sandboxAttempt);
      const id = infraId;
      // Start the sandbox while the app containers are being created: they join its namespace
      // at start, not at create.
      infraStarted = this.o.runtime.startContainer(id).then(
        () => {
          this.o.onSandboxStarted?.();
          return undefined;
        },
        (e: unknown) => e,
      );
    }
    if (infraId !== undefined && actions.containersToStart.length > 0) {
      const sandbox = infraId;
      const created = await Promise.all(actions.containersToStart.map((s) => this.createApp(pod, s, sandbox, waiting, infraStarted)));
      const infraError = await infraStarted;
      if (infraError) throw infraError;
      await Promise.all(
        created.map(async (c) => {
          if (!c) return;
          try {
            await c.ready;
            await this.o.runtime.startContainer(c.id);
            this.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
            await this.postStart(pod, c, () => this.podIP(observed, sandbox), waiting);
          } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            waiting.set(c.name, { reason: 'RunContainerError', message });
            this.event(pod, 'Warning', 'Failed', `Error: ${message}`);
          }
        }),
      );
    } else {
      const infraError = await infraStarted;
      if (infraError) throw infraError;
    }

    // App containers first, then sandboxes: a network namespace's owner goes last.
    const infraIds = new Set(observed.infra.map((c) => c.id));
    const removeQuietly = async (id: string): Promise<void> => {
      try {
        await this.o.runtime.removeContainer(id, { force: true });
        this.observer.forget(id);
      } catch (e) {
        this.o.log.warn({ pod: podDesc(pod), container: id, err: errText(e) }, 'could not remove a dead container');
      }
    };
    await Promise.all(actions.containersToRemove.filter((id) => !infraIds.has(id)).map(removeQuietly));
    await Promise.all(actions.containersToRemove.filter((id) => infraIds.has(id)).map(removeQuietly));
  }

  private async createSandbox(pod: Readonly<Pod>, attempt: number): Promise<string> {
    await this.o.ensureNetwork();
    const image = this.o.infraImage;
    if ((await this.o.runtime.imageId(image)) === undefined) {
      const message = `Failed to create pod sandbox: the pod infra image "${image}" is not present with pull policy of Never`;
      this.event(pod, 'Warning', 'FailedCreatePodSandBox', message);
      throw new Error(message);
    }
    const spec = infraContainerSpec(pod, { node: this.o.node, image, network: this.o.network, attempt });
    try {
      try {
        return await this.createNamed(spec);
      } catch (e) {
        if (!(e instanceof RuntimeNotFoundError && /network/i.test(e.message))) throw e;
        // The node network went away under us: make it again.
        await this.o.ensureNetwork(true);
        return await this.createNamed(spec);
      }
    } catch (e) {
      this.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${errText(e)}`);
      throw e;
    }
  }

  private async createApp(
    pod: Readonly<Pod>,
    start: ContainerStart,
    infraId: string,
    waiting: Map<string, WaitingReason>,
    infraStarted?: Promise<unknown>,
  ): Promise<{ id: string; name: string; ready?: Promise<void> } | undefined> {
    const container = (start.init ? pod.spec.initContainers?.[start.index] : pod.spec.containers[start.index]) as Readonly<Container>;
    const image = await this.images.ensure(container.image);
    if (!image.ok) {
      waiting.set(container.name, { reason: image.reason, message: image.message });
      this.event(pod, 'Warning', image.reason === 'ImagePullBackOff' ? 'BackOff' : 'Failed', image.message);
      return undefined;
    }
    if (image.ref === container.image) this.event(pod, 'Normal', 'Pulled', `Container image "${container.image}" already present on machine`);
    else this.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image.ref}"`);
    if (start.replaces) {
      const finished = Date.parse(start.replaces.finishedAt ?? '') || start.replaces.createdAt;
      this.backoff.next(backoffKey(pod.metadata.uid ?? '', container.name), finished);
    }
    let config: ResolvedContainerConfig;
    try {
      config = await this.configurator.resolve(pod, container, { id: infraId, ...(infraStarted ? { started: infraStarted } : {}) });
    } catch (e) {
      if (e instanceof VolumeNotReadyError) {
        waiting.set(container.name, { reason: 'ContainerCreating', message: `unable to mount volumes: ${e.message}` });
        return undefined;
      }
      if (!(e instanceof ContainerConfigError)) throw e;
      waiting.set(container.name, { reason: 'CreateContainerConfigError', message: e.message });
      this.event(pod, 'Warning', 'Failed', `Error: ${e.message}`);
      return undefined;
    }
    const spec = appContainerSpec(pod, container, { node: this.o.node, infraId, restartCount: start.restartCount, image: image.ref, config });
    try {
      const id = await this.createNamed(spec);
      this.event(pod, 'Normal', 'Created', `Created container ${container.name}`);
      return { id, name: container.name, ...(config.ready ? { ready: config.ready } : {}) };
    } catch (e) {
      const message = errText(e);
      waiting.set(container.name, { reason: 'CreateContainerError', message });
      this.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      return undefined;
    }
  }

  /** Creates a container; a stale one holding the name (e.g. from a crash mid-sync) is removed. */
  private async createNamed(spec: ContainerSpec): Promise<string> {
    try {
      return await this.o.runtime.createContainer(spec);
    } catch (e) {
      if (!(e instanceof RuntimeConflictError)) throw e;
      await this.o.runtime.removeContainer(spec.name, { force: true });
      return await this.o.runtime.createContainer(spec);
    }
  }

  /** Stops the running app containers (SIGTERM, SIGKILL after the grace period), then the sandbox. */
  private async killPod(pod: Readonly<Pod> | undefined, observed: ObservedPod, graceSeconds: number, skip: ReadonlySet<string> = new Set()): Promise<void> {
    const apps = [...observed.containers.values()].flat().filter((c) => c.state === 'running' && !skip.has(c.id));
    const podIP = (): Promise<string | undefined> => this.podIP(observed, undefined);
    await Promise.all(
      apps.map(async (c) => {
        if (!pod) return this.stopQuietly(c, graceSeconds);
        this.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
        await this.killContainer(pod, c.name, c.id, graceSeconds, podIP);
      }),
    );
    await Promise.all(observed.infra.filter((c) => c.state === 'running').map((c) => this.stopQuietly(c, MIN_GRACE_SECONDS)));
  }

  /**
   * Stops a container of a pod the kubelet knows (killContainer): its preStop hook first, within the
   * grace period, then SIGTERM and SIGKILL after what is left of it (at least 2 s after a hook).
   */
  private async killContainer(pod: Readonly<Pod>, name: string, id: string, graceSeconds: number, podIP: () => Promise<string | undefined>): Promise<void> {
    const container = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((c) => c.name === name);
    let grace = graceSeconds;
    const preStop = container?.lifecycle?.preStop;
    if (container && preStop && grace > 0) {
      const start = this.o.clock.now();
      const outcome = await this.hooks.run(preStop, { pod, container, containerId: id, podIP }, grace * 1000);
      if (!outcome.ok && !outcome.timedOut) this.event(pod, 'Warning', 'FailedPreStopHook', outcome.message);
      if (!outcome.ok && outcome.timedOut) this.o.log.info({ pod: podDesc(pod), container: name }, 'preStop hook not completed in the grace period');
      grace = Math.max(MIN_GRACE_SECONDS, Math.ceil(grace - (this.o.clock.now() - start) / 1000));
    }
    try {
      await this.o.runtime.stopContainer(id, grace);
    } catch (e) {
      if (!(e instanceof RuntimeNotFoundError)) throw e;
    }
    this.observer.forget(id);
  }

  /** Runs a just-started container's postStart hook; a failure kills the container (FailedPostStartHook). */
  private async postStart(pod: Readonly<Pod>, c: { id: string; name: string }, podIP: () => Promise<string | undefined>, waiting: Map<string, WaitingReason>): Promise<void> {
    const container = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].find((x) => x.name === c.name);
    const hook = container?.lifecycle?.postStart;
    if (!container || !hook) return;
    const outcome = await this.hooks.run(hook, { pod, container, containerId: c.id, podIP }, POST_START_TIMEOUT_MS);
    if (outcome.ok) return;
    this.event(pod, 'Warning', 'FailedPostStartHook', outcome.message);
    this.event(pod, 'Normal', 'Killing', 'FailedPostStartHook');
    await this.killContainer(pod, c.name, c.id, gracePeriodOf(pod), podIP);
    waiting.set(c.name, { reason: 'PostStartHookError', message: outcome.message });
  }

  /** The pod's IP: its running sandbox's address. */
  private async podIP(observed: ObservedPod, sandboxId: string | undefined): Promise<string | undefined> {
    const running = observed.infra.find((c) => c.state === 'running' && (sandboxId === undefined || c.id === sandboxId));
    if (running?.ipAddress) return running.ipAddress;
    const id = sandboxId ?? observed.infra[0]?.id;
    return id === undefined ? undefined : (await this.o.runtime.inspectContainer(id))?.ipAddress;
  }

  private async stopQuietly(c: ObservedContainer, graceSeconds: number): Promise<void> {
    try {
      await this.o.runtime.stopContainer(c.id, graceSeconds);
    } catch (e) {
      if (!(e instanceof RuntimeNotFoundError)) throw e;
    }
    this.observer.forget(c.id);
  }

  /** Removes containers, the app containers before the sandboxes whose namespaces they joined. */
  private async removeAll(containers: readonly ObservedContainer[]): Promise<void> {
    const remove = async (c: ObservedContainer): Promise<void> => {
      await this.o.runtime.removeContainer(c.id, { force: true });
      this.observer.forget(c.id);
    };
    await Promise.all(containers.filter((c) => c.role === 'app').map(remove));
    await Promise.all(containers.filter((c) => c.role === 'infra').map(remove));
  }

  /** A pod being deleted: stop everything, remove it, then finish the deletion in the API. */
  private async terminate(pod: Readonly<Pod>, observed: ObservedPod): Promise<void> {
    const start = this.o.clock.now();
    await this.killPod(pod, observed, gracePeriodOf(pod));
    await this.removeAll([...observed.infra, ...[...observed.containers.values()].flat()]);
    // Volumes go before the pod leaves the API (Kubernetes' podResourcesAreReclaimed).
    await this.configurator.tearDownVolumes(pod.metadata.uid ?? '');
    try {
      await this.o.api.delete('pods', pod.metadata.namespace ?? '', pod.metadata.name ?? '', {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid ?? '' },
      });
    } catch (e) {
      // Gone already, or a new pod took the name: either way this one is finished.
      if (!isApiError(e, 'NotFound') && !isApiError(e, 'Conflict')) throw e;
    }
    this.forgetPod(pod.metadata.uid ?? '');
    this.configurator.podGone(objectKey(pod));
    this.o.metrics?.podWorkerDuration.observe({ operation_type: 'terminate' }, (this.o.clock.now() - start) / 1000);
    this.o.log.info({ pod: podDesc(pod) }, 'pod terminated');
  }

  /** Containers of pods the API no longer has (or of an older pod with the same name). */
  private async removeOrphans(key: string, orphans: readonly ObservedContainer[]): Promise<void> {
    const byUid = new Map<string, ObservedContainer[]>();
    for (const c of orphans) byUid.set(c.podUid, [...(byUid.get(c.podUid) ?? []), c]);
    for (const [uid, list] of byUid) {
      const observed = groupObserved(uid, list);
      const grace = Math.max(MIN_GRACE_SECONDS, Math.min(...list.map((c) => c.gracePeriodSeconds ?? 30)));
      await this.killPod(undefined, observed, grace);
      await this.removeAll(list);
      this.forgetPod(uid);
      await this.configurator.tearDownVolumes(uid);
      this.o.log.info({ key, uid, containers: list.length }, 'removed the containers of a pod that no longer exists');
    }
  }

  private trackStart(pod: Readonly<Pod>, status: PodStatus): void {
    const uid = pod.metadata.uid ?? '';
    const created = this.startTracking.get(uid);
    if (created === undefined || !allContainersRunning(status, pod)) return;
    this.startTracking.delete(uid);
    this.o.metrics?.podStartSLI.observe(Math.max(0, this.o.clock.now() - created) / 1000);
  }

  private event(pod: Readonly<Pod>, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.o.events?.record(pod, type, reason, message);
  }
}

function backoffKey(uid: string, container: string): string {
  return `${uid}/${container}`;
}

function podDesc(pod: Readonly<Pod>): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? ''}(${pod.metadata.uid ?? ''})`;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

