// An event sink for tests: remembers what a component recorded, in order, instead of writing Events.

import { objectKey, type KubeObject } from '@skiff/api';
import type { EventRecorder } from '../event-recorder.js';

export interface RecordedEvent {
  /** `Kind/namespace/name` (`Kind/name` for cluster-scoped objects). */
  object: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export class FakeEventRecorder implements Pick<EventRecorder, 'record'> {
  readonly events: RecordedEvent[] = [];

  record(obj: Readonly<KubeObject>, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ object: `${obj.kind}/${objectKey(obj)}`, type, reason, message });
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}
