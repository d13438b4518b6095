// Kubelet.PortForward on the real Docker engine: a kubelet (API: the in-memory fake) runs a
// demo-web pod, and an HTTP request forwarded through its gRPC PortForward reaches port 8080 of the
// pod. The node name is unique per run; the cleanup removes exactly its containers and network.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { Pod } from '@skiff/api';
import { CHANNEL_OPTIONS, loadSkiffProto, type PortForwardInputMessage, type PortForwardOutputMessage } from '@skiff/client';
import { FakeApi } from '@skiff/client/testing/fake-api';
import { silentLogger } from '@skiff/component';
import { run } from '../run.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { dockerTestConfig, freeCidr, removeNodeFromDocker } from '../testing/docker-node.js';
import { makePod } from '../testing/fixtures.js';
import { until } from '../testing/until.js';

const node = `kpf-${randomBytes(4).toString('hex')}`;
const docker = new DockerRuntime();
const config = dockerTestConfig(node, { rootDir: path.join(os.tmpdir(), `skiff-kubelet-${node}`) });

describe(`Kubelet.PortForward on Docker (node ${node})`, () => {
  const api = new FakeApi();
  const ac = new AbortController();
  let done: Promise<void> | undefined;
  let grpcPort = 0;
  let client: grpc.Client;

  before(async () => {
    config.podCIDR = await freeCidr(docker, 24);
    done = run(ac.signal, config, { runtime: docker, client: api, log: silentLogger(), onListening: (p) => (grpcPort = p.grpc) });
    await until('the kubelet listens', () => grpcPort > 0);
    const { Kubelet } = loadSkiffProto();
    client = new Kubelet(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  });

  after(async () => {
    client?.close();
    ac.abort();
    await done;
    await removeNodeFromDocker(docker, node);
    await rm(config.rootDir ?? '', { recursive: true, force: true });
  });

  function forward(pod: Pod, port: number, request: string): Promise<{ data: string; error?: string }> {
    return new Promise((resolve, reject) => {
      const call = (client as unknown as Record<string, () => grpc.ClientDuplexStream<Partial<PortForwardInputMessage>, PortForwardOutputMessage>>)['PortForward']!.call(client);
      const out: { data: string; error?: string } = { data: '' };
      call.on('data', (m: PortForwardOutputMessage) => {
        if (m.output === 'data' && m.data) out.data += m.data.toString();
        else if (m.output === 'error') out.error = m.error ?? '';
      });
      call.on('end', () => resolve(out));
      call.on('error', reject);
      call.write({ start: { namespace: 'default', name: pod.metadata.name ?? '', pod_uid: pod.metadata.uid ?? '', port } });
      call.write({ data: Buffer.from(request) });
      call.write({ close: true });
    });
  }

  it('forwards a connection to a port of the pod', async () => {
    await api.create('pods', makePod({ name: 'web', node, containers: [{ name: 'web', image: 'skiff/demo-web:v1' }] }));
    const pod = await until('web Running with an IP', () => {
      const p = api.peek<Pod>('pods', 'default', 'web');
      return p?.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    }, 30_000);
    const res = await until('an HTTP answer through the forward', async () => {
      const r = await forward(pod, 8080, 'GET / HTTP/1.0\r\nHost: web\r\n\r\n');
      return r.data.startsWith('HTTP/1.') ? r : undefined;
    }, 15_000, 100);
    assert.match(res.data, /^HTTP\/1\.\d 200/);
    assert.match(res.data, /version: v1/);
    assert.equal(res.error, undefined);
    const refused = await forward(pod, 9, '');
    assert.match(refused.error ?? '', /^error forwarding port 9 to pod web, uid .*ECONNREFUSED/);
  });
});
