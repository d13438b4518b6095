import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Lease, Node } from '@skiff/api';
import { nodeFreshlyReady, probe, waitUntil, WaitError } from './readiness.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');

function node(ready: { status: 'True' | 'False'; lastHeartbeatTime?: string; lastTransitionTime?: string } | undefined): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n1' },
    status: { conditions: ready ? [{ type: 'Ready', ...ready }] : [] },
  };
}

function lease(renewTime: string): Lease {
  return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { renewTime } };
}

test('a node is Ready once its kubelet reported after the start', () => {
  assert.equal(nodeFreshlyReady(node({ status: 'True', lastHeartbeatTime: '2024-05-01T10:00:05Z' }), undefined, T0), undefined);
  assert.equal(nodeFreshlyReady(node({ status: 'True', lastTransitionTime: '2024-05-01T10:00:00Z' }), undefined, T0 + 500), undefined, 'whole seconds');
  assert.match(nodeFreshlyReady(node(undefined), undefined, T0) ?? '', /no Ready condition/);
  assert.match(nodeFreshlyReady(node({ status: 'False', lastHeartbeatTime: '2024-05-01T10:00:05Z' }), undefined, T0) ?? '', /Ready=False/);
});

test('a Ready status left from a previous run is stale unless the lease was renewed since', () => {
  const old = node({ status: 'True', lastHeartbeatTime: '2024-05-01T09:00:00Z', lastTransitionTime: '2024-05-01T09:00:00Z' });
  assert.match(nodeFreshlyReady(old, undefined, T0) ?? '', /stale/);
  assert.match(nodeFreshlyReady(old, lease('2024-05-01T09:00:10Z'), T0) ?? '', /stale/);
  assert.equal(nodeFreshlyReady(old, lease('2024-05-01T10:00:01Z'), T0), undefined);
});

test('waitUntil polls until the check passes', async () => {
  let n = 0;
  await waitUntil('thing', async () => (++n < 3 ? `not yet ${n}` : undefined), { deadline: Date.now() + 5_000, pollMs: 1 });
  assert.equal(n, 3);
});

test('waitUntil gives up at the deadline, or when told to, with the last problem', async () => {
  await assert.rejects(
    waitUntil('thing', async () => 'still down', { deadline: Date.now() + 20, pollMs: 5 }),
    (e: unknown) => e instanceof WaitError && e.message === 'thing: timed out (last check: still down)' && e.lastProblem === 'still down',
  );
  await assert.rejects(
    waitUntil('etcd', async () => 'ECONNREFUSED', { deadline: Date.now() + 60_000, pollMs: 5, gaveUp: Promise.resolve('exited (code 1)') }),
    /etcd: exited \(code 1\) \(last check: ECONNREFUSED\)/,
  );
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Error('interrupted')), 10);
  await assert.rejects(waitUntil('x', async () => 'no', { deadline: Date.now() + 60_000, pollMs: 5, signal: ac.signal }), /interrupted/);
});

test('probe: 200 is ready; anything else says why', async () => {
  const server = http.createServer((req, res) => {
    if (req.url === '/readyz') res.writeHead(200).end('ok');
    else res.writeHead(503).end('[-]etcd failed: unreachable\ncheck failed\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    assert.equal(await probe(`http://127.0.0.1:${port}/readyz`), undefined);
    assert.equal(await probe(`http://127.0.0.1:${port}/other`), 'HTTP 503: [-]etcd failed: unreachable; check failed');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  assert.equal(await probe(`http://127.0.0.1:${port}/readyz`), 'ECONNREFUSED');
});
