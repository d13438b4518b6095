// Reads a pod's containers back from the runtime: one list by labels, then an inspect per
// container. Inspect results are cached per container while its listed state does not change (a
// running container's details only change when it stops; a dead one's never), so a periodic
// resync of many pods costs one list per pod.

import type { ContainerRuntime, ContainerState } from '../runtime/runtime.js';
import { podSelectorLabels } from './labels.js';
import { toObserved, type ObservedContainer } from './observed.js';

export class ContainerObserver {
  private readonly cache = new Map<string, { state: ContainerState; observed: ObservedContainer }>();

  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly node: string,
  ) {}

  /** Every container of the pod named namespace/name on this node, whatever its uid. */
  async podContainers(namespace: string, name: string): Promise<ObservedContainer[]> {
    const list = await this.runtime.listContainers(podSelectorLabels(this.node, namespace, name));
    const out = await Promise.all(
      list.map(async (s) => {
        const hit = this.cache.get(s.id);
        if (hit && hit.state === s.state && s.state !== 'created') return hit.observed;
        const d = await this.runtime.inspectContainer(s.id);
        if (!d) {
          this.cache.delete(s.id);
          return undefined;
        }
        const observed = toObserved(d);
        this.cache.set(s.id, { state: d.state, observed });
        return observed;
      }),
    );
    return out.filter((c): c is ObservedContainer => c !== undefined);
  }

  /** Drops cache entries of containers that no longer exist. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.cache.keys()) if (!ids.has(id)) this.cache.delete(id);
  }

  forget(id: string): void {
    this.cache.delete(id);
  }
}
