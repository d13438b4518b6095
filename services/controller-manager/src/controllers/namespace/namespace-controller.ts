// The namespace controller, after Kubernetes' pkg/controller/namespace (namespace_controller.go and
// deletion/namespaced_resources_deleter.go): for a namespace being deleted it deletes every
// namespaced object in it (pods gracefully, everything in the Background), waits until nothing is
// left, then removes the `kubernetes` finalizer through the namespaces/finalize subresource, after
// which the apiserver removes the namespace.

import { isApiError, type KubeObject, type Namespace, type Pod } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { runWorkers, WorkQueue, type Clock, type Informer, type ReconcileResult } from '@skiff/machinery';
import {
  finalizersWithoutOurs,
  namespacedResources,
  needsFinalizing,
  podGraceEstimateSeconds,
  remainingAfterDelete,
  requeueAfterMs,
} from './namespace-content.js';

export const CONTROLLER_NAME = 'namespace';

export interface NamespaceControllerDeps {
  namespaces: Informer<Namespace>;
  /** Informers whose deletions may be the last content of a terminating namespace (pods): they wake it. */
  content?: readonly Informer<KubeObject>[];
  client: Pick<ApiClient, 'get' | 'list' | 'update' | 'updateStatus' | 'delete'>;
  clock: Clock;
  log: Logger;
  queue?: WorkQueue;
  /** The resources to empty; default every namespaced resource in RESOURCES. */
  resources?: readonly string[];
}

export class NamespaceController {
  readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly resources: readonly string[];
  /** Resources the apiserver answered NotFound for (it does not serve them), as Kubernetes' opCache. */
  private readonly notServed = new Set<string>();

  constructor(private readonly deps: NamespaceControllerDeps) {
    this.log = deps.log.child({ controller: CONTROLLER_NAME });
    this.queue = deps.queue ?? new WorkQueue({ clock: deps.clock, name: CONTROLLER_NAME });
    this.resources = deps.resources ?? namespacedResources();
    deps.namespaces.on({
      add: (ns) => this.enqueueIfDeleting(ns),
      update: (_old, cur) => this.enqueueIfDeleting(cur),
    });
    for (const informer of deps.content ?? []) {
      informer.on({
        delete: (obj) => {
          const ns = deps.namespaces.get(obj.metadata.namespace ?? '');
          if (ns) this.enqueueIfDeleting(ns);
        },
      });
    }
  }

  run(signal: AbortSignal, workers: number): Promise<void> {
    return runWorkers({ queue: this.queue, workers, signal, log: this.log, reconcile: (key) => this.reconcile(key) });
  }

  private enqueueIfDeleting(ns: Readonly<Namespace>): void {
    if (ns.metadata.deletionTimestamp) this.queue.add(ns.metadata.name ?? '');
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const cached = this.deps.namespaces.get(name);
    if (!cached || !needsFinalizing(cached)) return;
    // Several controllers edit a terminating namespace: work from its latest state.
    let ns: Namespace;
    try {
      ns = await this.deps.client.get<Namespace>('namespaces', '', name);
    } catch (e) {
      if (isApiError(e, 'NotFound')) return;
      throw e;
    }
    if (!needsFinalizing(ns)) return;
    const log = this.log.child({ key: name });
    ns = await this.markTerminating(ns);

    const deletedAt = Date.parse(ns.metadata.deletionTimestamp ?? '');
    const estimate = await this.deleteAllContent(name, Number.isNaN(deletedAt) ? this.deps.clock.now() : deletedAt, log);
    if (estimate > 0) {
      log.info({ estimateSeconds: estimate }, 'content remains in the namespace, waiting');
      return { requeueAfterMs: requeueAfterMs(estimate) };
    }
    await this.finalize(ns, log);
    return;
  }

  /** The apiserver marks a deleted namespace Terminating; make sure (updateNamespaceStatusFunc). */
  private async markTerminating(ns: Namespace): Promise<Namespace> {
    if (ns.status?.phase === 'Terminating') return ns;
    return this.deps.client.updateStatus<Namespace>('namespaces', { ...ns, status: { ...ns.status, phase: 'Terminating' } });
  }

  /** Deletes what is left of each namespaced kind; returns how many seconds what remains should take. */
  private async deleteAllContent(namespace: string, deletedAt: number, log: Logger): Promise<number> {
    let estimate = 0;
    const problems: string[] = [];
    for (const resource of this.resources) {
      if (this.notServed.has(resource)) continue;
      const items = await this.list(resource, namespace);
      if (items === undefined) continue;
      const grace = resource === 'pods' ? podGraceEstimateSeconds(items as Pod[], this.deps.clock.now(), deletedAt) : 0;
      const toDelete = items.filter((o) => !o.metadata.deletionTimestamp);
      if (toDelete.length > 0) log.info({ resource, count: toDelete.length }, 'deleting namespace content');
      await Promise.all(toDelete.map((o) => this.delete(resource, o)));
      const remaining = toDelete.length > 0 ? ((await this.list(resource, namespace)) ?? []) : items;
      const verdict = remainingAfterDelete(resource, remaining, grace);
      if ('unexpected' in verdict) problems.push(verdict.unexpected);
      else estimate = Math.max(estimate, verdict.estimateSeconds);
    }
    if (problems.length > 0) throw new Error(problems.join('; '));
    return estimate;
  }

  private async list(resource: string, namespace: string): Promise<KubeObject[] | undefined> {
    try {
      return (await this.deps.client.list<KubeObject>(resource, { namespace })).items;
    } catch (e) {
      if (!isApiError(e, 'NotFound')) throw e;
      this.notServed.add(resource);
      return undefined;
    }
  }

  /** Pods gracefully (their own grace period), everything in the Background; gone already is fine. */
  private async delete(resource: string, obj: Readonly<KubeObject>): Promise<void> {
    const { namespace = '', name = '', uid } = obj.metadata;
    try {
      await this.deps.client.delete(resource, namespace, name, { propagationPolicy: 'Background', ...(uid ? { preconditions: { uid } } : {}) });
    } catch (e) {
      if (!isApiError(e, 'NotFound') && !isApiError(e, 'Conflict')) throw e;
    }
  }

  /** Removes our finalizer through namespaces/finalize, re-reading on a conflict (retryOnConflictError). */
  private async finalize(ns: Namespace, log: Logger): Promise<void> {
    let current = ns;
    for (;;) {
      try {
        await this.deps.client.update('namespaces', { ...current, spec: { ...current.spec, finalizers: finalizersWithoutOurs(current) } }, { subresource: 'finalize' });
        log.info('namespace content removed, finalized');
        return;
      } catch (e) {
        if (isApiError(e, 'NotFound')) return;
        if (!isApiError(e, 'Conflict')) throw e;
      }
      const fresh = await this.deps.client.get<Namespace>('namespaces', '', ns.metadata.name ?? '');
      if (fresh.metadata.uid !== ns.metadata.uid) throw new Error('namespace uid has changed across retries');
      if (!needsFinalizing(fresh)) return;
      current = fresh;
    }
  }
}
