import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dockerCidrs, interfaceCidrs, mergeTaken, outside, routeCidrs } from './taken-addresses.js';

test("the host's interface blocks count; loopback 127/8 does not, other lo addresses do as /32", () => {
  const cidrs = interfaceCidrs({
    lo: [
      { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: '127.0.0.1/8' },
      { address: '10.96.0.15', netmask: '255.255.255.255', family: 'IPv4', mac: '', internal: true, cidr: '10.96.0.15/32' },
    ],
    eth0: [
      { address: '10.5.0.2', netmask: '255.255.0.0', family: 'IPv4', mac: '', internal: false, cidr: '10.5.0.2/16' },
      { address: 'fd00::2', netmask: 'ffff::', family: 'IPv6', mac: '', internal: false, cidr: 'fd00::2/64', scopeid: 0 },
    ],
  });
  assert.deepEqual(
    cidrs.map((c) => c.cidr),
    ['10.96.0.15/32', '10.5.0.2/16'],
  );
  // A userspace kube-proxy labels its lo addresses with its chain prefix: a cluster ignores its own.
  const labelled = interfaceCidrs({ 'lo:SK1B84': [{ address: '10.250.0.10', netmask: '255.255.255.255', family: 'IPv4', mac: '', internal: true, cidr: '10.250.0.10/32' }] }, new Set(['lo:SK1B84']));
  assert.deepEqual(labelled, []);
});

test("blocks inside a cluster's own subnets (its bridges and their routes) are left out", () => {
  const host = [
    { cidr: '10.115.0.1/24', owner: 'interface br-1 (10.115.0.1)' },
    { cidr: '10.115.1.0/24', owner: 'a route' },
    { cidr: '10.115.0.0/16', owner: 'a wider route' },
    { cidr: '192.0.2.2/24', owner: 'interface eth0 (192.0.2.2)' },
  ];
  assert.deepEqual(
    outside(host, ['10.115.0.0/24', '10.115.1.0/24']).map((c) => c.cidr),
    ['10.115.0.0/16', '192.0.2.2/24'],
  );
});

test('route destinations count; the default route does not', () => {
  const text = [
    'default via 192.0.2.1 dev eth0',
    '10.37.2.0/24 via 127.12.34.3 dev lo',
    '172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown',
    '10.9.9.9 dev tun0 scope link',
    'broadcast junk',
    '',
  ].join('\n');
  assert.deepEqual(
    routeCidrs(text).map((c) => c.cidr),
    ['10.37.2.0/24', '172.17.0.0/16', '10.9.9.9/32'],
  );
});

test("Docker networks count, except those the cluster's own nodes made; IPv6 subnets are left out", () => {
  const cidrs = dockerCidrs(
    [
      { name: 'bridge', subnets: ['172.17.0.0/16'] },
      { name: 'skiff-c-node-1', subnets: ['10.244.0.0/24'], node: 'c-node-1' },
      { name: 'skiff-d-node-1', subnets: ['10.37.1.0/24', 'fd00:1::/64'], node: 'd-node-1' },
    ],
    ['c-node-1', 'c-node-2'],
  );
  assert.deepEqual(cidrs, [
    { cidr: '172.17.0.0/16', owner: 'Docker network bridge' },
    { cidr: '10.37.1.0/24', owner: 'Docker network skiff-d-node-1' },
  ]);
});

test('merging keeps every block and each prefix once', () => {
  const merged = mergeTaken(
    { cidrs: [{ cidr: '10.1.0.0/16', owner: 'a' }], nodeAddressPrefixes: ['127.1.1'], chainPrefixes: ['SK0001'] },
    { cidrs: [{ cidr: '10.2.0.0/16', owner: 'b' }], nodeAddressPrefixes: ['127.1.1', '127.2.2'], chainPrefixes: ['SK0001'] },
  );
  assert.deepEqual(merged, {
    cidrs: [
      { cidr: '10.1.0.0/16', owner: 'a' },
      { cidr: '10.2.0.0/16', owner: 'b' },
    ],
    nodeAddressPrefixes: ['127.1.1', '127.2.2'],
    chainPrefixes: ['SK0001'],
  });
});
