// The runtime contract against the real Docker engine. Everything it creates carries a unique
// `skiff.io/node` label, and the cleanup removes exactly those containers and networks.

import { randomBytes } from 'node:crypto';
import { DockerRuntime } from './docker-runtime.js';
import { runtimeContract } from './runtime-contract.js';

runtimeContract('DockerRuntime', async () => {
  const runtime = new DockerRuntime({ socketPath: process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock' });
  const node = `contract-${randomBytes(4).toString('hex')}`;
  const labels = { 'skiff.io/node': node };
  return {
    runtime,
    labels,
    prefix: `skiff-test-${node}`,
    image: 'skiff/busybox:latest',
    cleanup: async () => {
      const containers = await runtime.listContainers(labels);
      await Promise.all(containers.map((c) => runtime.removeContainer(c.id, { force: true })));
      for (const n of await runtime.listNetworks(labels)) await runtime.removeNetwork(n.id);
    },
  };
});
