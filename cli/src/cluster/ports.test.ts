import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { autoPortPlan, defaultPortPlan, duplicateUses, nodeAddress, portUses, takenPorts } from './ports.js';

test('nodes get their own loopback address, from 127.0.0.2 up', () => {
  assert.equal(nodeAddress(1), '127.0.0.2');
  assert.equal(nodeAddress(2), '127.0.0.3');
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
  assert.deepEqual(duplicateUses(portUses(plan)), []);
});

test('an auto plan has distinct free ports on the right addresses', async () => {
  const plan = await autoPortPlan(3);
  const uses = portUses(plan);
  assert.equal(uses.length, 6 + 3 * 2);
  assert.deepEqual(duplicateUses(uses), []);
  assert.deepEqual(plan.kubelets.map((k) => k.address), ['127.0.0.2', '127.0.0.3', '127.0.0.4']);
  assert.ok(uses.every((u) => u.port > 0 && u.port !== 2379 && u.port !== 6444));
  assert.deepEqual(await takenPorts(uses), [], 'the ports are released for the components');
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

test('duplicate host:port pairs are found', () => {
  const uses = [
    { host: '127.0.0.1', port: 1, purpose: 'a' },
    { host: '127.0.0.2', port: 1, purpose: 'b' },
    { host: '127.0.0.1', port: 1, purpose: 'c' },
  ];
  assert.deepEqual(duplicateUses(uses).map((u) => u.purpose), ['c']);
});
