// The API contract (@skiff/client/testing/api-contract) against the real thing: ApiClient over gRPC
// to an in-process apiserver on in-memory storage. FakeApi passes the same suite.

import { ApiClient } from '@skiff/client';
import { apiContract } from '@skiff/client/testing/api-contract';
import { silentLogger } from '@skiff/component';
import { startApiserver } from '../run.js';
import { MemoryStorage } from '../storage/memory-storage.js';

apiContract('ApiClient over gRPC to an in-process apiserver', async () => {
  const server = await startApiserver({ etcdServers: [], bindAddress: '127.0.0.1', port: 0, httpPort: 0 }, { storage: new MemoryStorage(), log: silentLogger() });
  const api = new ApiClient({ server: server.address, timeoutMs: 5_000 });
  return {
    api,
    cleanup: async () => {
      api.close();
      await server.stop();
    },
  };
});
