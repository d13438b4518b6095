// Records v1 Events about objects, as client-go's record.EventRecorder: fire-and-forget, and a
// repeat of the same (object, type, reason, message) bumps `count` and `lastTimestamp` instead of
// making a new Event.

import { nowRFC3339, type Event, type KubeObject } from '@skiff/api';
import type { Logger } from '@skiff/component';
import type { ApiClient } from '@skiff/client';
import { RealClock, type Clock } from './clock.js';

export interface EventSource {
  component: string;
  host?: string;
}

interface Seen {
  namespace: string;
  name: string;
  count: number;
}

const MAX_REMEMBERED = 4096;

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly clock: Clock;

  constructor(
    private readonly client: Pick<ApiClient, 'create' | 'patch'>,
    private readonly source: EventSource,
    private readonly log?: Logger,
    clock?: Clock,
  ) {
    this.clock = clock ?? new RealClock();
  }

  record(obj: Readonly<KubeObject>, type: 'Normal' | 'Warning', reason: string, message: string): void {
    void this.write(obj, type, reason, message).catch((e: unknown) => {
      this.log?.warn({ reason, err: e instanceof Error ? e.message : String(e) }, 'could not record event');
    });
  }

  /** Same as record(), awaitable: for tests and for callers that must know it landed. */
  async write(obj: Readonly<KubeObject>, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = nowRFC3339(new Date(this.clock.now()));
    const namespace = obj.metadata.namespace || 'default';
    const dedupKey = [obj.metadata.uid, obj.kind, obj.metadata.name, type, reason, message].join('\u0000');
    const prior = this.seen.get(dedupKey);
    if (prior) {
      prior.count += 1;
      try {
        await this.client.patch('events', prior.namespace, prior.name, { count: prior.count, lastTimestamp: now });
        return;
      } catch {
        this.seen.delete(dedupKey); // the event expired or was deleted: make a new one
      }
    }
    const name = `${obj.metadata.name ?? 'unknown'}.${this.clock.now().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name ?? '',
        namespace: obj.metadata.namespace ?? '',
        uid: obj.metadata.uid ?? '',
        resourceVersion: obj.metadata.resourceVersion ?? '',
      },
      reason,
      message,
      type,
      source: this.source.host ? { component: this.source.component, host: this.source.host } : { component: this.source.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    };
    await this.client.create('events', event);
    if (this.seen.size >= MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value as string);
    this.seen.set(dedupKey, { namespace, name, count: 1 });
  }
}
