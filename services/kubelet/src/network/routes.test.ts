import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '@skiff/api';
import { isLocalAddress } from './local-addresses.js';
import { desiredRoutes, planRoutes } from './routes.js';

function node(name: string, podCIDR: string | undefined, ip: string | undefined, deleting = false): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: podCIDR ? { podCIDR } : {},
    status: ip ? { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } : {},
  };
}

const local = (ip: string) => isLocalAddress(ip, ['192.0.2.2']);

describe('host-gw routes', () => {
  it('want a route to every other node\'s pod CIDR through its InternalIP, except nodes on this host', () => {
    const nodes = [
      node('self', '10.244.1.0/24', '192.0.2.2'),
      node('b', '10.244.2.0/24', '192.0.2.3'),
      node('a', '10.244.3.7/24', '192.0.2.4'),
      node('same-host-loopback', '10.244.4.0/24', '127.0.0.3'),
      node('same-host-ip', '10.244.5.0/24', '192.0.2.2'),
      node('no-cidr', undefined, '192.0.2.5'),
      node('no-address', '10.244.6.0/24', undefined),
      node('bad-cidr', 'nonsense', '192.0.2.6'),
      node('going', '10.244.7.0/24', '192.0.2.7', true),
      node('c-dup', '10.244.2.0/24', '192.0.2.8'),
    ];
    assert.deepEqual(desiredRoutes(nodes, 'self', local), [
      { dst: '10.244.2.0/24', via: '192.0.2.3' },
      { dst: '10.244.3.0/24', via: '192.0.2.4' },
    ]);
  });

  it('counts every 127.x address and the host\'s own addresses as local', () => {
    assert.equal(isLocalAddress('127.45.6.7', []), true);
    assert.equal(isLocalAddress('192.0.2.2', ['192.0.2.2']), true);
    assert.equal(isLocalAddress('192.0.2.3', ['192.0.2.2']), false);
    assert.equal(isLocalAddress('not-an-ip', []), false);
  });

  it('replace what is missing or points elsewhere, and remove only recorded routes of nodes that went, as made', () => {
    const plan = planRoutes(
      [
        { dst: '10.244.2.0/24', via: '192.0.2.3' },
        { dst: '10.244.3.0/24', via: '192.0.2.9' },
        { dst: '10.244.4.0/24', via: '192.0.2.4' },
      ],
      [
        { dst: '10.244.3.0/24', via: '192.0.2.4' },
        { dst: '10.244.8.0/24', via: '192.0.2.8' },
        { dst: '10.244.9.0/24', via: '192.0.2.9' },
        { dst: '10.244.10.0/24', via: '192.0.2.10' },
      ],
      [
        { dst: '10.244.2.0/24', via: '192.0.2.3' },
        { dst: '10.244.3.0/24', via: '192.0.2.4' },
        { dst: '10.244.8.0/24', via: '192.0.2.8' },
        { dst: '10.244.9.0/24', via: '192.0.2.99' },
        { dst: '10.244.11.0/24', via: '192.0.2.11' },
      ],
    );
    assert.deepEqual(plan.replace, [
      { dst: '10.244.3.0/24', via: '192.0.2.9' },
      { dst: '10.244.4.0/24', via: '192.0.2.4' },
    ]);
    // 10.244.9 was changed by someone else, 10.244.10 is gone already, 10.244.11 is not ours.
    assert.deepEqual(plan.remove, [{ dst: '10.244.8.0/24', via: '192.0.2.8' }]);
  });
});
