// Keeps `status.loadBalancer.ingress` of every Ingress right, as ingress controllers do
// (ingress-nginx internal/ingress/status/status.go with --publish-status-address): an Ingress we
// serve lists our publish address; one we do not serve (any more) loses it, other entries kept.
// Also records the Ingress events: Normal `Sync` for each generation we take up (as ingress-nginx's
// "Scheduled for sync"), Warning `TLSNotSupported` when `spec.tls` is set (served over plain HTTP).

import { isIP } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { clone, objectKey, type Ingress, type LoadBalancerIngress } from '@skiff/api';
import type { ApiInterface } from '@skiff/client';
import type { Logger } from '@skiff/component';
import { runWorkers, WorkQueue, type Clock, type EventRecorder } from '@skiff/machinery';
import type { ClusterView } from './cluster-view.js';

/** The load-balancer entry for a publish address: `ip` for an IP, `hostname` for a name. */
export function publishEntry(publish: string): LoadBalancerIngress {
  return isIP(publish) ? { ip: publish } : { hostname: publish };
}

const samePublish = (a: LoadBalancerIngress, b: LoadBalancerIngress): boolean => a.ip === b.ip && a.hostname === b.hostname;

/** What `status.loadBalancer.ingress` should be. */
export function desiredLoadBalancer(current: readonly LoadBalancerIngress[] | undefined, served: boolean, publish: string): LoadBalancerIngress[] {
  const ours = publishEntry(publish);
  if (served) return [ours];
  return (current ?? []).filter((e) => !samePublish(e, ours));
}

export const TLS_NOT_SUPPORTED =
  'spec.tls is not supported by the skiff ingress controller: the hosts of this Ingress are served over plain HTTP only';

export interface StatusSyncerOptions {
  view: ClusterView;
  client: Pick<ApiInterface, 'updateStatus'>;
  recorder: Pick<EventRecorder, 'record'>;
  publishAddress: string;
  log: Logger;
  clock?: Clock;
}

export class StatusSyncer {
  private readonly queue: WorkQueue;
  /** `uid/generation` of the Ingresses the events were recorded for. */
  private readonly announced = new Map<string, string>();

  constructor(private readonly opts: StatusSyncerOptions) {
    this.queue = new WorkQueue({ name: 'ingress-status', ...(opts.clock && { clock: opts.clock }) });
    const { ingresses, ingressClasses } = opts.view.informers;
    ingresses.on({
      add: (ing) => this.queue.add(objectKey(ing)),
      update: (_, ing) => this.queue.add(objectKey(ing)),
      delete: (ing) => this.announced.delete(objectKey(ing)),
    });
    const all = (): void => {
      for (const ing of ingresses.list()) this.queue.add(objectKey(ing));
    };
    ingressClasses.on({ add: all, update: all, delete: all });
  }

  /** Runs the status workers until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await runWorkers({ queue: this.queue, workers: 2, signal, log: this.opts.log, reconcile: (key) => this.reconcile(key) });
  }

  async reconcile(key: string): Promise<void> {
    const ing = this.opts.view.informers.ingresses.get(key);
    if (!ing) return;
    const served = !ing.metadata.deletionTimestamp && this.opts.view.isServed(ing);
    if (served) this.announce(key, ing);
    else this.announced.delete(key);
    const current = ing.status?.loadBalancer?.ingress;
    const desired = desiredLoadBalancer(current, served, this.opts.publishAddress);
    if (isDeepStrictEqual(current ?? [], desired)) return;
    const next: Ingress = clone(ing) as Ingress;
    next.status = { ...next.status, loadBalancer: { ...next.status?.loadBalancer, ingress: desired } };
    await this.opts.client.updateStatus('ingresses', next);
    this.opts.log.info({ ingress: key, loadBalancer: desired }, served ? 'published address in Ingress status' : 'removed address from Ingress status');
  }

  private announce(key: string, ing: Readonly<Ingress>): void {
    const seen = `${ing.metadata.uid ?? ''}/${ing.metadata.generation ?? ''}`;
    if (this.announced.get(key) === seen) return;
    this.announced.set(key, seen);
    this.opts.recorder.record(ing, 'Normal', 'Sync', 'Scheduled for sync');
    if ((ing.spec?.tls ?? []).length > 0) this.opts.recorder.record(ing, 'Warning', 'TLSNotSupported', TLS_NOT_SUPPORTED);
  }
}
