import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, it } from 'node:test';
import { parseBindAddresses, resolvePublishAddress } from './publish-address.js';

const iface = (address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4'): NetworkInterfaceInfo =>
  ({ address, internal, family, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' && { scopeid: 0 }) }) as NetworkInterfaceInfo;

describe('resolvePublishAddress', () => {
  const interfaces = { lo: [iface('127.0.0.1', true)], eth0: [iface('fe80::1', false, 'IPv6'), iface('192.168.1.5', false)] };
  it('the flag wins', () => assert.equal(resolvePublishAddress('203.0.113.7', ['0.0.0.0'], interfaces), '203.0.113.7'));
  it('else the first bind address', () => assert.equal(resolvePublishAddress(undefined, ['127.0.0.2', '127.0.0.3'], interfaces), '127.0.0.2'));
  it('0.0.0.0 → the first non-internal IPv4', () => assert.equal(resolvePublishAddress(undefined, ['0.0.0.0'], interfaces), '192.168.1.5'));
  it('no external IPv4 → 127.0.0.1', () => assert.equal(resolvePublishAddress(undefined, ['0.0.0.0'], { lo: [iface('127.0.0.1', true)] }), '127.0.0.1'));
});

describe('parseBindAddresses', () => {
  it('splits, trims, dedups; empty → 0.0.0.0', () => {
    assert.deepEqual(parseBindAddresses(' 127.0.0.2, 127.0.0.3,,127.0.0.2 '), ['127.0.0.2', '127.0.0.3']);
    assert.deepEqual(parseBindAddresses(undefined), ['0.0.0.0']);
    assert.deepEqual(parseBindAddresses(''), ['0.0.0.0']);
  });
});
