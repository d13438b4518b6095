// The ConfigMaps and Secrets of the node's pods, after Kubernetes' watch-based manager
// (pkg/kubelet/util/manager/watch_based_manager.go): a pod's registration starts one informer per
// object it refers to (`metadata.name=<name>` in its namespace), and the last pod to let go of an
// object stops it. The kubelet never lists every Secret of a namespace.
//
// Reads come from the informer's cache once it has synced (a missing object is NotFound at once);
// before that, or for an object no pod registered, straight from the API. NotFound reads as
// Kubernetes' kubelet says it: `configmap "x" not found`, `secret "x" not found`.
//
// Every change of a watched object is handed to `onChange` with the keys of the pods that refer
// to it, so the kubelet re-syncs them: mounted files follow within seconds, and a container
// waiting for a missing object starts when it appears.

import type { ConfigMap, KubeObject, Pod, Secret } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { Informer, type Clock } from '@skiff/machinery';
import type { ConfigSourceReader } from '../pod/container-env.js';
import { readSource, sourceNotFound } from './api-source-reader.js';
import { podSourceRefs, refKey, type SourceRef } from './references.js';

/** What the manager needs of the API. */
export type ConfigSourceApi = Pick<ApiClient, 'get' | 'list' | 'watch'>;

export interface ConfigSourceManagerOptions {
  api: ConfigSourceApi;
  log: Logger;
  clock?: Clock;
  /** Pod keys (`namespace/name`) whose ConfigMaps or Secrets changed. */
  onChange?: (podKeys: string[]) => void;
}

interface Watched {
  ref: SourceRef;
  informer: Informer<KubeObject>;
  stop: AbortController;
  /** Keys of the pods referring to it. */
  pods: Set<string>;
}

export class ConfigSourceManager implements ConfigSourceReader {
  private readonly watched = new Map<string, Watched>();
  /** Pod key → the ref keys it holds. */
  private readonly byPod = new Map<string, Set<string>>();
  private stopped = false;

  constructor(private readonly o: ConfigSourceManagerOptions) {}

  /** Watches what the pod refers to (and stops watching what it no longer does). Idempotent. */
  registerPod(podKey: string, pod: Readonly<Pod>): void {
    if (this.stopped) return;
    const refs = podSourceRefs(pod);
    const wanted = new Set(refs.map(refKey));
    const held = this.byPod.get(podKey) ?? new Set<string>();
    for (const key of held) if (!wanted.has(key)) this.release(podKey, key);
    for (const ref of refs) {
      const key = refKey(ref);
      let w = this.watched.get(key);
      if (!w) w = this.watch(ref);
      w.pods.add(podKey);
    }
    if (wanted.size > 0) this.byPod.set(podKey, wanted);
    else this.byPod.delete(podKey);
  }

  /** The pod is gone: let go of its objects. */
  unregisterPod(podKey: string): void {
    for (const key of this.byPod.get(podKey) ?? []) this.release(podKey, key);
    this.byPod.delete(podKey);
  }

  /** What is watched now (`configmaps/ns/name`), for tests and debugging. */
  watchedKeys(): string[] {
    return [...this.watched.keys()].sort();
  }

  /** True when every watch has listed its object (reads are served from the cache). */
  hasSynced(): boolean {
    return [...this.watched.values()].every((w) => w.informer.hasSynced());
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watched.values()) w.stop.abort();
    this.watched.clear();
    this.byPod.clear();
  }

  getConfigMap(namespace: string, name: string): Promise<Readonly<ConfigMap>> {
    return this.read<ConfigMap>({ resource: 'configmaps', namespace, name });
  }

  getSecret(namespace: string, name: string): Promise<Readonly<Secret>> {
    return this.read<Secret>({ resource: 'secrets', namespace, name });
  }

  private async read<T extends KubeObject>(ref: SourceRef): Promise<Readonly<T>> {
    const w = this.watched.get(refKey(ref));
    if (w?.informer.hasSynced()) {
      const obj = w.informer.get(`${ref.namespace}/${ref.name}`);
      if (!obj) throw sourceNotFound(ref);
      return obj as Readonly<T>;
    }
    return readSource<T>(this.o.api, ref);
  }

  private watch(ref: SourceRef): Watched {
    const informer = new Informer<KubeObject>(this.o.api, ref.resource, {
      namespace: ref.namespace,
      fieldSelector: `metadata.name=${ref.name}`,
      log: this.o.log.child({ informer: ref.resource, name: `${ref.namespace}/${ref.name}` }),
      ...(this.o.clock ? { clock: this.o.clock } : {}),
    });
    const w: Watched = { ref, informer, stop: new AbortController(), pods: new Set() };
    const changed = (): void => {
      if (w.pods.size > 0) this.o.onChange?.([...w.pods]);
    };
    informer.on({ add: changed, update: changed, delete: changed });
    this.watched.set(refKey(ref), w);
    informer.start(w.stop.signal);
    return w;
  }

  private release(podKey: string, key: string): void {
    const w = this.watched.get(key);
    if (!w) return;
    w.pods.delete(podKey);
    if (w.pods.size > 0) return;
    w.stop.abort();
    this.watched.delete(key);
  }
}
