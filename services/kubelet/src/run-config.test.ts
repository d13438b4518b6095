// The kubelet in-process with ConfigMaps and Secrets, on the fake runtime and the in-memory API,
// with a FakeClock that never moves: no resync ever runs, so whatever happens below was driven by
// the ConfigMap/Secret watches alone.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ConfigMap, Pod } from '@skiff/api';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { FakeClock } from '@skiff/machinery';
import { DEFAULT_CONFIG, type KubeletConfig } from './config.js';
import { LABEL_ROLE } from './pod/labels.js';
import { run } from './run.js';
import { FakeRuntime } from './runtime/fake-runtime.js';
import { makePod } from './testing/fixtures.js';
import { until } from './testing/until.js';

describe('kubelet run() with ConfigMaps (watch-driven)', () => {
  it('starts a container once its missing ConfigMap appears, and rewrites mounted files on update', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'skiff-run-config-'));
    const config: KubeletConfig = { ...DEFAULT_CONFIG, nodeName: 'node-a', port: 0, httpPort: 0, rootDir: root, podCIDR: '10.244.1.0/24' };
    const api = new FakeApi();
    const rt = new FakeRuntime();
    const clock = new FakeClock();
    const ac = new AbortController();
    const done = run(ac.signal, config, {
      runtime: rt,
      client: api,
      clock,
      mounter: null,
      log: silentLogger(),
      machine: { cpu: '4', memoryBytes: 8 * 1024 ** 3, kernelVersion: 'k', osImage: 'o', operatingSystem: 'linux', architecture: 'amd64', machineID: 'm', bootID: 'b' },
    });
    try {
      const base = makePod({
        name: 'web',
        containers: [
          {
            name: 'app',
            image: 'skiff/busybox:latest',
            command: ['sleep', '3600'],
            env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } }],
            volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }],
          },
        ],
      });
      base.spec.volumes = [{ name: 'cfg', configMap: { name: 'settings', optional: true } }];
      const pod = await api.create('pods', base);
      const waiting = await until('CreateContainerConfigError', () => {
        const w = api.peek<Pod>('pods', 'default', 'web')?.status?.containerStatuses?.[0]?.state.waiting;
        return w?.reason === 'CreateContainerConfigError' ? w : undefined;
      });
      assert.equal(waiting.message, 'configmap "settings" not found');

      await api.create<ConfigMap>('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'prod', 'app.conf': 'v=1' } });
      const app = await until('the app container running', () => rt.all().find((c) => c.labels[LABEL_ROLE] === 'app' && c.state === 'running'));
      assert.deepEqual(rt.specOf(app.id).env, ['MODE=prod']);
      const file = path.join(root, 'pods', pod.metadata.uid ?? '', 'volumes', 'kubernetes.io~configmap', 'cfg', 'app.conf');
      await until('the mounted file', () => readFile(file, 'utf8').then((t) => t === 'v=1', () => false));

      const cm = api.peek<ConfigMap>('configmaps', 'default', 'settings') as ConfigMap;
      await api.update('configmaps', { ...cm, data: { mode: 'staging', 'app.conf': 'v=2' } });
      await until('the file updated', () => readFile(file, 'utf8').then((t) => t === 'v=2', () => false));
      assert.deepEqual(rt.specOf(app.id).env, ['MODE=prod'], 'env is fixed at creation');
      assert.equal(rt.all().filter((c) => c.labels[LABEL_ROLE] === 'app').length, 1, 'the container was not restarted');
    } finally {
      ac.abort();
      await done;
      await rm(root, { recursive: true, force: true });
    }
  });
});
