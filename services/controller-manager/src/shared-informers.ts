// One informer per resource, shared by every controller that asks for it (client-go's
// SharedInformerFactory): a kind is listed and watched once however many controllers use it.
// Controllers ask for informers and add their indexes and handlers before `start`.

import type { KubeObject } from '@skiff/api';
import type { Logger } from '@skiff/component';
import { Informer, type Clock, type ListerWatcher } from '@skiff/machinery';

export class SharedInformers {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started: AbortSignal | undefined;

  constructor(
    private readonly client: ListerWatcher,
    private readonly opts: { log?: Logger; clock?: Clock } = {},
  ) {}

  /** The informer for `resource` ("pods"), created on first use. */
  for<T extends KubeObject>(resource: string): Informer<T> {
    let informer = this.informers.get(resource);
    if (!informer) {
      const o: ConstructorParameters<typeof Informer>[2] = {};
      if (this.opts.log) o.log = this.opts.log.child({ informer: resource });
      if (this.opts.clock) o.clock = this.opts.clock;
      informer = new Informer<KubeObject>(this.client, resource, o);
      this.informers.set(resource, informer);
      if (this.started) informer.start(this.started);
    }
    return informer as unknown as Informer<T>;
  }

  resources(): string[] {
    return [...this.informers.keys()];
  }

  start(signal: AbortSignal): void {
    this.started = signal;
    for (const informer of this.informers.values()) informer.start(signal);
  }

  hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  /** Resolves once every informer has listed (or the signal aborts). */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
  }
}
