// For the CLI's integration tests: a real etcd and an apiserver in this process (no controllers,
// no kubelets), a client, a temporary SKIFF_HOME and a runner for the `skiff` binary against them.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApiserver, type RunningApiserver } from '@skiff/apiserver/run';
import { startTestEtcd, type TestEtcd } from '@skiff/apiserver/storage/test-etcd';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { SkiffRunner } from './run-skiff.js';

export class InProcessApi {
  private etcd: TestEtcd | undefined;
  private apiserver: RunningApiserver | undefined;
  private apiClient: ApiClient | undefined;
  private homeDir: string | undefined;
  readonly cli = new SkiffRunner(
    () => this.address,
    () => this.home,
  );

  get address(): string {
    if (!this.apiserver) throw new Error('InProcessApi: not started');
    return this.apiserver.address;
  }

  get client(): ApiClient {
    if (!this.apiClient) throw new Error('InProcessApi: not started');
    return this.apiClient;
  }

  /** The SKIFF_HOME the CLI runs with. */
  get home(): string {
    if (!this.homeDir) throw new Error('InProcessApi: not started');
    return this.homeDir;
  }

  async start(homePrefix: string): Promise<void> {
    this.etcd = await startTestEtcd();
    this.apiserver = await startApiserver({ etcdServers: [this.etcd.endpoint], bindAddress: '127.0.0.1', port: 0, httpPort: 0 }, { log: silentLogger() });
    this.apiClient = new ApiClient({ server: this.apiserver.address });
    this.homeDir = fs.mkdtempSync(path.join(os.tmpdir(), homePrefix));
  }

  async stop(): Promise<void> {
    this.apiClient?.close();
    await this.apiserver?.stop();
    await this.etcd?.stop();
    if (this.homeDir) fs.rmSync(this.homeDir, { recursive: true, force: true });
  }
}
