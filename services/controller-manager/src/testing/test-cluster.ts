// A real etcd and apiserver with the controller-manager in-process, for integration tests: start
// it in `before`, stop it in `after` (the controller-manager drains, then the client, apiserver and
// etcd go).

import { startApiserver, type RunningApiserver } from '@skiff/apiserver';
import { startTestEtcd, type TestEtcd } from '@skiff/apiserver/storage/test-etcd';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { DEFAULT_CONFIG, run, type ControllerManagerConfig } from '../run.js';

export interface TestCluster {
  etcd: TestEtcd;
  apiserver: RunningApiserver;
  client: ApiClient;
  /** Aborted when the cluster stops: for helpers (stand-in kubelets, informers) that should stop with it. */
  signal: AbortSignal;
  /** Runs the controller-manager against the apiserver (once; later calls are ignored). */
  startControllerManager(config?: Partial<ControllerManagerConfig>): void;
  stop(): Promise<void>;
}

export async function startTestCluster(): Promise<TestCluster> {
  const etcd = await startTestEtcd();
  let apiserver: RunningApiserver;
  try {
    apiserver = await startApiserver({ etcdServers: [etcd.endpoint], bindAddress: '127.0.0.1', port: 0, httpPort: 0 }, { log: silentLogger() });
  } catch (e) {
    await etcd.stop();
    throw e;
  }
  const client = new ApiClient({ server: apiserver.address });
  const ac = new AbortController();
  let cm: Promise<void> | undefined;
  return {
    etcd,
    apiserver,
    client,
    signal: ac.signal,
    startControllerManager(config = {}) {
      cm ??= run(ac.signal, { ...DEFAULT_CONFIG, apiserver: apiserver.address, httpPort: 0, ...config }, { log: silentLogger() });
    },
    async stop() {
      ac.abort();
      await cm;
      client.close();
      await apiserver.stop();
      await etcd.stop();
    },
  };
}
