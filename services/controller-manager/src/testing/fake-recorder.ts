// An event sink that remembers what was recorded, for tests.

import type { KubeObject } from '@skiff/api';

export interface RecordedEvent {
  object: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export class FakeRecorder {
  readonly events: RecordedEvent[] = [];

  record(obj: Readonly<KubeObject>, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ object: `${obj.kind}/${obj.metadata.name ?? ''}`, type, reason, message });
  }

  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}
