// The whole kubelet in-process on the fake runtime: probe results reach the pod at once (not at
// the next resync), a failing liveness probe restarts the container by itself, and Exec is served
// on the kubelet's gRPC port.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { findCondition, type Pod } from '@skiff/api';
import { CHANNEL_OPTIONS, loadSkiffProto, type ExecOutputMessage } from '@skiff/client';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { DEFAULT_CONFIG, type KubeletConfig } from './config.js';
import { run } from './run.js';
import { FakeRuntime } from './runtime/fake-runtime.js';
import { makePod } from './testing/fixtures.js';
import { until } from './testing/until.js';

const config: KubeletConfig = {
  ...DEFAULT_CONFIG,
  nodeName: 'node-a',
  port: 0,
  httpPort: 0,
  housekeepingIntervalMs: 50,
  // Far away: what happens here happens because of the probes, not a resync.
  resyncIntervalMs: 600_000,
  nodeStatusUpdateFrequencyMs: 200,
  podCIDR: '10.244.1.0/24',
  rootDir: mkdtempSync(path.join(os.tmpdir(), 'skiff-run-lifecycle-')),
};

describe('kubelet run(): probes and exec', () => {
  after(() => rmSync(config.rootDir ?? '', { recursive: true, force: true }));

  it('makes a pod Ready by its readiness probe, restarts it by its liveness probe, and serves Exec', async () => {
    const api = new FakeApi();
    const rt = new FakeRuntime();
    let healthy = true;
    rt.onExec = (_id, cmd) => (cmd[0] === 'check' ? async () => (healthy ? 0 : 1) : undefined);
    const ac = new AbortController();
    let grpcPort = 0;
    const done = run(ac.signal, config, {
      runtime: rt,
      client: api,
      log: silentLogger(),
      machine: { cpu: '4', memoryBytes: 8 * 1024 ** 3, kernelVersion: 'k', osImage: 'o', operatingSystem: 'linux', architecture: 'amd64', machineID: 'm', bootID: 'b' },
      onListening: (p) => (grpcPort = p.grpc),
    });
    try {
      await api.create(
        'pods',
        makePod({
          name: 'web',
          containers: [
            {
              name: 'web',
              image: 'skiff/demo-web:v1',
              readinessProbe: { exec: { command: ['check'] }, periodSeconds: 60 },
              livenessProbe: { exec: { command: ['check'] }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        }),
      );
      const pod = () => api.peek<Pod>('pods', 'default', 'web');
      // Readiness is probed as soon as the container runs, not a period (60 s) later.
      await until('Ready', () => findCondition(pod()?.status?.conditions, 'Ready')?.status === 'True');

      healthy = false;
      const restarted = await until('a liveness restart', () => {
        const cs = pod()?.status?.containerStatuses?.[0];
        return cs && cs.restartCount >= 1 ? cs : undefined;
      });
      assert.equal(restarted.lastState.terminated?.exitCode, 143);
      healthy = true;

      const { Kubelet } = loadSkiffProto();
      const client = new Kubelet(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
      try {
        const call = (client as unknown as Record<string, () => grpc.ClientDuplexStream<unknown, ExecOutputMessage>>)['Exec']!.call(client);
        let out = '';
        let code = -1;
        await new Promise<void>((resolve, reject) => {
          call.on('data', (f: ExecOutputMessage) => {
            if (f.output === 'stdout') out += f.stdout?.toString() ?? '';
            if (f.output === 'exit') code = f.exit?.exit_code ?? -1;
          });
          call.on('end', resolve);
          call.on('error', reject);
          call.write({ start: { namespace: 'default', name: 'web', container: '', command: ['echo', 'from', 'exec'], stdin: false, tty: false, pod_uid: pod()?.metadata.uid ?? '' } });
          call.end();
        });
        assert.deepEqual([out, code], ['from exec\n', 0]);
      } finally {
        client.close();
      }
    } finally {
      ac.abort();
      await done;
    }
  });
});
