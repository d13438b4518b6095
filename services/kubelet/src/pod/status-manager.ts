// Writes pod status through `pods/status`, only when it changed, retrying on Conflict with a fresh
// read (Kubernetes' status manager). It remembers what it last wrote, so a status it already wrote
// is not written again while the informer's cache has not caught up.

import { isDeepStrictEqual } from 'node:util';
import { isApiError, type Pod, type PodStatus } from '@skiff/api';
import type { ApiClient } from '@skiff/client';

export type PodStatusApi = Pick<ApiClient, 'get' | 'updateStatus'>;

function rvNumber(rv: string | undefined): number | undefined {
  if (rv === undefined || !/^\d+$/.test(rv)) return undefined;
  return Number(rv);
}

/** a is older than b (both etcd revisions); false when unknown. */
function olderThan(a: string | undefined, b: string | undefined): boolean {
  const x = rvNumber(a);
  const y = rvNumber(b);
  return x !== undefined && y !== undefined && x < y;
}

export class StatusManager {
  private readonly last = new Map<string, { rv: string; computed: PodStatus }>();

  constructor(private readonly api: PodStatusApi) {}

  /**
   * Computes the status from the pod (the freshest known) and writes it if it differs. Returns the
   * status now in force, or undefined when the pod is gone.
   */
  async write(pod: Readonly<Pod>, compute: (pod: Readonly<Pod>) => PodStatus): Promise<PodStatus | undefined> {
    const uid = pod.metadata.uid ?? '';
    let base: Readonly<Pod> = pod;
    const last = this.last.get(uid);
    if (last && olderThan(pod.metadata.resourceVersion, last.rv)) {
      base = { ...pod, metadata: { ...pod.metadata, resourceVersion: last.rv }, status: last.computed };
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const status = compute(base);
      const mine = this.last.get(uid);
      if (isDeepStrictEqual(status, base.status)) return status;
      if (mine && mine.rv === base.metadata.resourceVersion && isDeepStrictEqual(status, mine.computed)) return status;
      try {
        const updated = await this.api.updateStatus<Pod>('pods', { ...base, status } as Pod);
        this.last.set(uid, { rv: updated.metadata.resourceVersion ?? '', computed: status });
        return status;
      } catch (e) {
        if (isApiError(e, 'NotFound')) return undefined;
        if (!isApiError(e, 'Conflict')) throw e;
        const fresh = await this.api.get<Pod>('pods', pod.metadata.namespace ?? '', pod.metadata.name ?? '').catch((err: unknown) => {
          if (isApiError(err, 'NotFound')) return undefined;
          throw err;
        });
        if (!fresh || fresh.metadata.uid !== uid) return undefined;
        base = fresh;
      }
    }
    throw new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name}: status kept conflicting`);
  }

  forget(uid: string): void {
    this.last.delete(uid);
  }
}
