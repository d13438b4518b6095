import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFromFlags, FlagError, normalizeBoolFlags } from './flags.js';

describe('controller-manager flags', () => {
  it('defaults match kube-controller-manager on one machine', () => {
    assert.deepEqual(configFromFlags({}), {
      apiserver: '127.0.0.1:6444',
      bindAddress: '127.0.0.1',
      httpPort: 10257,
      leaderElect: true,
      controllers: '*',
      concurrentReplicaSetSyncs: 5,
      concurrentGcSyncs: 20,
    });
  });

  it('reads every flag', () => {
    const c = configFromFlags({
      apiserver: '127.0.0.2:7000',
      'bind-address': '0.0.0.0',
      'http-port': '0',
      'leader-elect': 'false',
      controllers: 'replicaset',
      'concurrent-replicaset-syncs': '2',
      'concurrent-gc-syncs': '3',
    });
    assert.equal(c.apiserver, '127.0.0.2:7000');
    assert.equal(c.bindAddress, '0.0.0.0');
    assert.equal(c.httpPort, 0);
    assert.equal(c.leaderElect, false);
    assert.equal(c.controllers, 'replicaset');
    assert.equal(c.concurrentReplicaSetSyncs, 2);
    assert.equal(c.concurrentGcSyncs, 3);
  });

  it('--leader-elect alone means true', () => {
    assert.deepEqual(normalizeBoolFlags(['--leader-elect', '--http-port', '1'], ['leader-elect']), ['--leader-elect=true', '--http-port', '1']);
    assert.equal(configFromFlags({ 'leader-elect': 'true' }).leaderElect, true);
  });

  it('rejects bad values with the flag named', () => {
    assert.throws(() => configFromFlags({ controllers: 'replicaset,cronjob' }), (e: unknown) => e instanceof FlagError && /--controllers: "cronjob"/.test(e.message));
    assert.throws(() => configFromFlags({ 'leader-elect': 'maybe' }), /--leader-elect must be true or false/);
    assert.throws(() => configFromFlags({ 'concurrent-replicaset-syncs': '0' }), /--concurrent-replicaset-syncs must be an integer >= 1/);
    assert.throws(() => configFromFlags({ 'http-port': 'x' }), /--http-port/);
  });
});
