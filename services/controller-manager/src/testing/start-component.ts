// The whole controller-manager in-process on a given API client (FakeApi in unit tests), its
// observability server on a free port.

import { silentLogger } from '@skiff/component';
import { DEFAULT_CONFIG, run, type ControllerManagerClient, type ControllerManagerConfig } from '../run.js';
import { eventually } from './eventually.js';

export interface RunningComponent {
  /** The /metrics, /healthz, /readyz port. */
  port: number;
  stop(): Promise<void>;
}

export async function startComponent(api: ControllerManagerClient, config: Partial<ControllerManagerConfig> = {}): Promise<RunningComponent> {
  const ac = new AbortController();
  let port = 0;
  const done = run(ac.signal, { ...DEFAULT_CONFIG, httpPort: 0, identity: 'test-cm', ...config }, { client: api, log: silentLogger(), onListening: (p) => (port = p) });
  await eventually(() => port !== 0, 'the observability server');
  return {
    port,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}
