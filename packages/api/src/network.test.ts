import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressAt, cidrContains, cidrsOverlap, clusterDnsIp, parseCidr, parsePortRange } from './network.js';

test('parseCidr canonicalises the network address and sizes the block', () => {
  const c = parseCidr('10.96.3.7/12');
  assert.equal(c.text, '10.96.0.0/12');
  assert.equal(c.size, 2 ** 20);
  assert.equal(addressAt(c, 1), '10.96.0.1');
  assert.equal(addressAt(c, c.size - 1), '10.111.255.255');
});

test('parseCidr refuses what is not an IPv4 CIDR, naming it', () => {
  assert.throws(() => parseCidr('10.96.0.0'), /"10.96.0.0" is not a CIDR/);
  assert.throws(() => parseCidr('10.0.0/8'), /"10.0.0\/8" is not a CIDR/);
  assert.throws(() => parseCidr('fd00::/64'), /only IPv4/);
});

test('containment, overlap, the DNS address and port ranges', () => {
  const c = parseCidr('10.244.0.0/16');
  assert.ok(cidrContains(c, '10.244.255.1'));
  assert.ok(!cidrContains(c, '10.245.0.1'));
  assert.ok(!cidrContains(c, 'web'));
  assert.ok(cidrsOverlap(c, parseCidr('10.244.7.0/24')));
  assert.ok(!cidrsOverlap(c, parseCidr('10.96.0.0/12')));
  assert.equal(clusterDnsIp('10.96.0.0/12'), '10.96.0.10');
  assert.deepEqual(parsePortRange('30000-32767'), { base: 30000, size: 2768 });
  assert.throws(() => parsePortRange('32767-30000'), /not a port range/);
});
