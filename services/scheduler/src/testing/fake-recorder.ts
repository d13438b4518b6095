// An event sink that remembers what was recorded, for tests.

import { objectKey, type KubeObject } from '@skiff/api';

export interface RecordedEvent {
  object: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export class FakeRecorder {
  readonly events: RecordedEvent[] = [];
  record(obj: Readonly<KubeObject>, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ object: objectKey(obj), type, reason, message });
  }
}
