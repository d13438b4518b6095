import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Node } from '@skiff/api';
import { silentLogger } from '@skiff/component';
import { useTempDir } from '../testing/temp-dir.js';
import { FakeRouteProgrammer } from './fake-route-programmer.js';
import { isLocalAddress } from './local-addresses.js';
import { removeRecordedRoutes, RouteManager, routeStateFile } from './route-manager.js';

function node(name: string, podCIDR: string, ip: string): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR }, status: { addresses: [{ type: 'InternalIP', address: ip }] } };
}

describe('RouteManager', () => {
  const tmp = useTempDir('skiff-routes-');
  const manager = (programmer: FakeRouteProgrammer) =>
    new RouteManager({ programmer, stateFile: routeStateFile(tmp.dir()), node: 'self', isLocal: (ip) => isLocalAddress(ip, ['192.0.2.2']), log: silentLogger() });

  it('programs routes, records them, and a restarted kubelet removes those of nodes gone meanwhile, never others\'', async () => {
    const table = new FakeRouteProgrammer([{ dst: '10.99.0.0/24', via: '192.0.2.77' }]);
    const first = manager(table);
    const nodes = [node('self', '10.244.1.0/24', '192.0.2.2'), node('b', '10.244.2.0/24', '192.0.2.3'), node('c', '10.244.3.0/24', '192.0.2.4')];
    const result = await first.sync(nodes);
    assert.equal(result.replaced.length, 2);
    assert.deepEqual(table.routes(), [
      { dst: '10.244.2.0/24', via: '192.0.2.3' },
      { dst: '10.244.3.0/24', via: '192.0.2.4' },
      { dst: '10.99.0.0/24', via: '192.0.2.77' },
    ]);
    assert.deepEqual(JSON.parse(await readFile(path.join(tmp.dir(), 'network', 'routes.json'), 'utf8')), {
      routes: [
        { dst: '10.244.2.0/24', via: '192.0.2.3' },
        { dst: '10.244.3.0/24', via: '192.0.2.4' },
      ],
    });
    const again = await first.sync(nodes);
    assert.deepEqual([again.replaced, again.removed], [[], []], 'nothing to do the second time');

    // Node c goes while no kubelet runs; a new one reads the record.
    const restarted = manager(table);
    const after = await restarted.sync(nodes.slice(0, 2));
    assert.deepEqual(after.removed, [{ dst: '10.244.3.0/24', via: '192.0.2.4' }]);
    assert.deepEqual(table.routes(), [
      { dst: '10.244.2.0/24', via: '192.0.2.3' },
      { dst: '10.99.0.0/24', via: '192.0.2.77' },
    ]);
  });

  it('keeps going when a route cannot be programmed, and tries it again at the next sync', async () => {
    const table = new FakeRouteProgrammer();
    const m = manager(table);
    table.failNext();
    const nodes = [node('b', '10.244.2.0/24', '192.0.2.3'), node('c', '10.244.3.0/24', '192.0.2.4')];
    const result = await m.sync(nodes);
    assert.equal(result.failed.length, 1);
    assert.match(result.failed[0] ?? '', /^10\.244\.2\.0\/24: ip route: Nexthop has invalid gateway/);
    assert.equal(table.routes().length, 1);
    await m.sync(nodes);
    assert.equal(table.routes().length, 2);
  });

  it('removeRecordedRoutes takes away what the record names (the cleanup of `skiff down`)', async () => {
    const table = new FakeRouteProgrammer([{ dst: '10.99.0.0/24', via: '192.0.2.77' }]);
    await manager(table).sync([node('b', '10.244.2.0/24', '192.0.2.3')]);
    assert.equal(await removeRecordedRoutes(tmp.dir(), table), 1);
    assert.deepEqual(table.routes(), [{ dst: '10.99.0.0/24', via: '192.0.2.77' }]);
    assert.equal(await removeRecordedRoutes(tmp.dir(), table), 0);
  });
});
