// A PodSyncer for unit tests: node `node-a` (address 127.0.0.2) on a fake runtime, its network
// made on demand; options override or add (events, prober, configurator, ...).

import { silentLogger } from '@skiff/component';
import type { Clock } from '@skiff/machinery';
import { LABEL_NODE } from '../pod/labels.js';
import { PodSyncer, type PodSyncerOptions } from '../pod/pod-syncer.js';
import type { FakeRuntime } from '../runtime/fake-runtime.js';

export const TEST_NODE = 'node-a';

export function fakeNodeSyncer(o: { runtime: FakeRuntime; api: PodSyncerOptions['api']; clock: Clock } & Partial<PodSyncerOptions>): PodSyncer {
  const network = `skiff-${TEST_NODE}`;
  return new PodSyncer({
    log: silentLogger(),
    node: TEST_NODE,
    hostIP: '127.0.0.2',
    network,
    ensureNetwork: async () => {
      await o.runtime.ensureNetwork({ name: network, labels: { [LABEL_NODE]: TEST_NODE } });
    },
    infraImage: 'skiff/busybox:latest',
    ...o,
  });
}
