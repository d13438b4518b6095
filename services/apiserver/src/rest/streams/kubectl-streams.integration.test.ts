// The real kubectl (1.32, /usr/bin/kubectl) against the streaming subresources of an in-process
// apiserver whose node's kubelet is the fake of testing/fake-kubelet.ts: `kubectl exec` (output,
// stdin, exit codes, errors) and `kubectl port-forward` to a pod and to a Service, over the
// WebSocket tunnel kubectl tries first and over its SPDY fallback. Skipped without kubectl.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import type { Service } from '@skiff/api';
import type { ApiClient } from '@skiff/client';
import { TEST_TOKEN } from '../testing/rest-test-server.js';
import { TEST_CA_CERT } from '../testing/test-tls.js';
import { startStreamsFixture, type StreamsFixture } from './testing/fake-kubelet.js';
import { kubectl, kubectlMissing as skip, portForward, roundTrip, writeKubeconfig } from './testing/kubectl.js';

let fixture: StreamsFixture;
let api: ApiClient;
let env: NodeJS.ProcessEnv;
let podPort: number;

before(async () => {
  if (skip) return;
  fixture = await startStreamsFixture({ labels: { app: 'web' } });
  ({ api, podPort } = fixture);
  const dir = fixture.server.dir;
  mkdirSync(path.join(dir, 'home'));
  writeKubeconfig(path.join(dir, 'kubeconfig'), fixture.server.port, TEST_CA_CERT, TEST_TOKEN);
  env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: path.join(dir, 'home'), KUBECONFIG: path.join(dir, 'kubeconfig') };
});

after(async () => {
  await fixture?.stop();
});

test('kubectl exec prints the output and exits with the command\'s code', { skip }, async () => {
  const hi = await kubectl(['exec', 'web', '--', 'echo', 'hi'], env);
  assert.deepEqual([hi.code, hi.stdout], [0, 'hi\n'], hi.stderr);
  const three = await kubectl(['exec', 'web', '--', 'exit', '3'], env);
  assert.equal(three.code, 3);
  assert.equal(three.stdout, '');
  assert.match(three.stderr, /^bye\ncommand terminated with exit code 3\n$/);
});

test('kubectl exec -i passes stdin and ends with it', { skip }, async () => {
  const r = await kubectl(['exec', '-i', 'web', '--', 'cat'], env, 'one\ntwo\n');
  assert.deepEqual([r.code, r.stdout], [0, 'one\ntwo\n'], r.stderr);
});

test('kubectl exec reports what cannot run as Kubernetes does', { skip }, async () => {
  const container = await kubectl(['exec', 'web', '-c', 'nope', '--', 'echo'], env);
  assert.equal(container.code, 1);
  assert.match(container.stderr, /container nope is not valid for pod web/);
  const ghost = await kubectl(['exec', 'ghost', '--', 'echo'], env);
  assert.equal(ghost.code, 1);
  assert.match(ghost.stderr, /pods "ghost" not found/);
});

test('kubectl port-forward to a pod, over the WebSocket tunnel and over SPDY', { skip }, async () => {
  for (const websockets of ['true', 'false']) {
    const pf = await portForward('pod/web', podPort, { ...env, KUBECTL_PORT_FORWARD_WEBSOCKETS: websockets });
    try {
      assert.equal(await roundTrip(pf.localPort, 'hello'), 'pod got 5 bytes: hello');
      const big = 'x'.repeat(300_000);
      assert.equal(await roundTrip(pf.localPort, big), `pod got 300000 bytes: ${'x'.repeat(12)}`, `websockets=${websockets}`);
    } finally {
      await pf.stop();
    }
  }
});

test('kubectl port-forward svc/x resolves the Service to a pod and its target port', { skip }, async () => {
  await api.create<Service>('services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: podPort, protocol: 'TCP' }] },
  });
  const pf = await portForward('svc/web', 80, env);
  try {
    assert.equal(await roundTrip(pf.localPort, 'via service'), 'pod got 11 bytes: via service');
  } finally {
    await pf.stop();
  }
});

test('kubectl port-forward stops with the error when the pod refuses the connection', { skip }, async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const dead = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const pf = await portForward('pod/web', dead, env);
  await roundTrip(pf.localPort, 'x').catch(() => '');
  const code = await pf.exited;
  assert.notEqual(code, 0);
  assert.match(pf.output(), new RegExp(`error forwarding port ${dead} to pod web, uid [-0-9a-f]+: connect ECONNREFUSED`));
  assert.match(pf.output(), /lost connection to pod/);
});
