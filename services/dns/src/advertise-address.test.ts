import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NetworkInterfaceInfo } from 'node:os';
import { advertiseProblem, defaultAdvertiseAddress } from './advertise-address.js';

function info(address: string, internal: boolean, family: 'IPv4' | 'IPv6' = 'IPv4'): NetworkInterfaceInfo {
  return { address, family, internal, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: null } as NetworkInterfaceInfo;
}

describe('defaultAdvertiseAddress', () => {
  it('is the first non-internal IPv4 address', () => {
    assert.equal(defaultAdvertiseAddress({ lo: [info('127.0.0.1', true)], eth0: [info('fe80::1', false, 'IPv6'), info('192.168.1.20', false)], docker0: [info('172.17.0.1', false)] }), '192.168.1.20');
  });

  it('falls back to loopback on a host with nothing else', () => {
    assert.equal(defaultAdvertiseAddress({ lo: [info('127.0.0.1', true)] }), '127.0.0.1');
  });
});

describe('advertiseProblem', () => {
  it('accepts a wildcard bind, or the advertised address itself', () => {
    assert.equal(advertiseProblem('0.0.0.0', '192.168.1.20'), undefined);
    assert.equal(advertiseProblem('192.168.1.20', '192.168.1.20'), undefined);
  });

  it('names loopback advertise addresses and a bind address that is not the advertised one', () => {
    assert.match(advertiseProblem('0.0.0.0', '127.0.0.1') ?? '', /loopback/);
    assert.match(advertiseProblem('127.0.0.1', '192.168.1.20') ?? '', /will not arrive/);
  });
});
