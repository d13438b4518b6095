import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFromFlags, FlagError, normalizeBoolFlags } from './config.js';
import { masqueradeMark } from './iptables/iptables-proxier.js';

describe('configFromFlags', () => {
  it("uses Kubernetes' defaults", () => {
    const { config, cleanup } = configFromFlags({});
    assert.equal(cleanup, false);
    assert.equal(config.proxyMode, 'iptables');
    assert.equal(config.chainPrefix, 'SKIFF');
    assert.equal(config.httpPort, 10249);
    assert.equal(config.bindAddress, '127.0.0.1');
    assert.equal(config.apiserver, '127.0.0.1:6444');
    assert.equal(config.minSyncPeriodMs, 1000);
    assert.equal(config.syncPeriodMs, 30_000);
    assert.equal(config.udpIdleTimeoutMs, 250);
    assert.equal(config.nodeAddresses, undefined, 'node addresses come from the local Nodes');
    assert.equal(masqueradeMark(config.masqueradeBit), '0x4000');
  });

  it('parses every flag', () => {
    const argv = normalizeBoolFlags(['--cleanup', '--masquerade-all']);
    assert.deepEqual(argv, ['--cleanup=true', '--masquerade-all=true']);
    const { config, cleanup } = configFromFlags({
      cleanup: 'true',
      'masquerade-all': 'true',
      apiserver: '127.0.0.1:7000',
      'proxy-mode': 'userspace',
      'node-addresses': '127.0.0.2, 127.0.0.3',
      'cluster-cidr': '10.244.0.0/16',
      'iptables-chain-prefix': 'SKIFF-A1',
      'iptables-masquerade-bit': '15',
      'bind-address': '0.0.0.0',
      'http-port': '0',
      'hostname-override': 'Node-1',
      'min-sync-period': '100ms',
      'sync-period': '10s',
      'udp-timeout': '2s',
    });
    assert.equal(cleanup, true);
    assert.deepEqual(config.nodeAddresses, ['127.0.0.2', '127.0.0.3']);
    assert.equal(config.proxyMode, 'userspace');
    assert.equal(config.clusterCidr, '10.244.0.0/16');
    assert.equal(config.masqueradeAll, true);
    assert.equal(masqueradeMark(config.masqueradeBit), '0x8000');
    assert.equal(config.hostname, 'node-1');
    assert.equal(config.minSyncPeriodMs, 100);
    assert.equal(config.syncPeriodMs, 10_000);
    assert.equal(config.udpIdleTimeoutMs, 2000);
    assert.equal(config.httpPort, 0);
    assert.deepEqual(configFromFlags({ 'node-addresses': '' }).config.nodeAddresses, [], 'an empty list serves NodePorts nowhere');
  });

  it('refuses bad values with the flag named', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ 'proxy-mode': 'ipvs' }, /--proxy-mode must be iptables or userspace/],
      [{ 'iptables-chain-prefix': 'A-VERY-LONG-PREFIX' }, /longer than 15/],
      [{ 'iptables-chain-prefix': 'has space' }, /must start with a letter/],
      [{ 'node-addresses': '127.0.0.2,nope' }, /--node-addresses: "nope"/],
      [{ 'cluster-cidr': '10.244.0.0' }, /--cluster-cidr/],
      [{ 'min-sync-period': 'soon' }, /--min-sync-period must be/],
      [{ 'sync-period': '1s', 'min-sync-period': '2s' }, /--sync-period must not be shorter/],
      [{ 'http-port': '70000' }, /--http-port must be an integer from 0 to 65535/],
      [{ 'iptables-masquerade-bit': '32' }, /--iptables-masquerade-bit/],
    ];
    for (const [flags, re] of bad) assert.throws(() => configFromFlags(flags), (e: unknown) => e instanceof FlagError && re.test(e.message), JSON.stringify(flags));
  });
});
