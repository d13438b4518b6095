import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { test } from 'node:test';
import { autoPortPlan, defaultPortPlan, duplicateUses, nodeAddress, portUses, takenPorts } from './ports.js';

test('nodes get their own loopback address, from 127.0.0.2 up', () => {
  assert.equal(nodeAddress(1), '127.0.0.2');
  assert.equal(nodeAddress(2), '127.0.0.3');
  assert.equal(nodeAddress(3, '127.12.34'), '127.12.34.4');
  assert.throws(() => nodeAddress(0), RangeError);
  assert.throws(() => nodeAddress(101), RangeError);
});

test('the default plan uses the components\' default ports, kubelets apart by address', () => {
  const plan = defaultPortPlan(2);
  assert.deepEqual(
    [plan.etcdClient, plan.etcdPeer, plan.apiserver, plan.apiserverHttp, plan.scheduler, plan.controllerManager],
    [2379, 2380, 6444, 6445, 10259, 10257],
  );
  assert.deepEqual(plan.kubelets, [
    { address: '127.0.0.2', port: 10250, httpPort: 10248 },
    { address: '127.0.0.3', port: 10250, httpPort: 10248 },
  ]);
  assert.deepEqual([plan.kubeProxy, plan.dns, plan.dnsHttp, plan.ingress, plan.ingressHttp], [10249, 53, 9153, 80, 10254]);
  assert.equal(plan.apiserverSecure, 6443, "the Kubernetes API on Kubernetes' secure port");
  const uses = portUses(plan);
  assert.deepEqual(duplicateUses(uses), []);
  // DNS on both protocols on every address; the ingress on port 80 of each node address.
  assert.deepEqual(
    uses.filter((u) => u.port === 53).map((u) => [u.host, u.protocol ?? 'tcp']),
    [
      ['0.0.0.0', 'tcp'],
      ['0.0.0.0', 'udp'],
    ],
  );
  assert.deepEqual(uses.filter((u) => u.purpose === 'ingress').map((u) => `${u.host}:${u.port}`), ['127.0.0.2:80', '127.0.0.3:80']);
});

test('an auto plan has distinct free ports on the right addresses', async () => {
  const plan = await autoPortPlan(3, '127.77.1');
  const uses = portUses(plan);
  // 7 control-plane ports (incl. the apiserver's HTTPS), 2 per kubelet, 5 node-wide, ingress per node.
  assert.equal(uses.length, 7 + 3 * 2 + 5 + 3);
  assert.deepEqual(duplicateUses(uses), []);
  assert.deepEqual(plan.kubelets.map((k) => k.address), ['127.77.1.2', '127.77.1.3', '127.77.1.4']);
  assert.equal(plan.ingress, 80, 'each cluster has its own node addresses, so port 80 on them is its own');
  const picked = uses.filter((u) => u.purpose !== 'ingress');
  assert.ok(picked.every((u) => u.port > 0 && ![2379, 6443, 6444, 53, 10249].includes(u.port)));
  assert.deepEqual(await takenPorts(picked), [], 'the ports are released for the components');
});

test('a port in use is reported with what it was for', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const taken = await takenPorts([
      { host: '127.0.0.1', port, purpose: 'apiserver gRPC' },
      { host: '127.0.0.2', port, purpose: 'kubelet 1 gRPC' },
    ]);
    assert.deepEqual(taken, [{ host: '127.0.0.1', port, purpose: 'apiserver gRPC', error: 'EADDRINUSE' }]);
  } finally {
    server.close();
  }
});

test('a UDP port in use is reported, and a TCP one on the same number is not mistaken for it', async () => {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  try {
    const taken = await takenPorts([
      { host: '127.0.0.1', port, purpose: 'DNS (TCP)' },
      { host: '127.0.0.1', port, purpose: 'DNS (UDP)', protocol: 'udp' },
    ]);
    assert.deepEqual(taken.map((t) => t.purpose), ['DNS (UDP)']);
  } finally {
    socket.close();
  }
});

test('duplicate host:port pairs are found', () => {
  const uses = [
    { host: '127.0.0.1', port: 1, purpose: 'a' },
    { host: '127.0.0.2', port: 1, purpose: 'b' },
    { host: '127.0.0.1', port: 1, purpose: 'c' },
  ];
  assert.deepEqual(duplicateUses(uses).map((u) => u.purpose), ['c']);
});
