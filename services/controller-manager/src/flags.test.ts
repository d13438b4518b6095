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
      concurrentDeploymentSyncs: 5,
      concurrentNamespaceSyncs: 10,
      concurrentGcSyncs: 20,
      nodeLifecycle: {
        nodeMonitorPeriodMs: 5_000,
        nodeMonitorGracePeriodMs: 40_000,
        nodeStartupGracePeriodMs: 60_000,
        nodeEvictionRate: 0.1,
        secondaryNodeEvictionRate: 0.01,
        largeClusterSizeThreshold: 50,
        unhealthyZoneThreshold: 0.55,
      },
      network: {
        concurrentEndpointSyncs: 5,
        concurrentServiceEndpointSyncs: 5,
        mirroringConcurrentServiceEndpointSyncs: 5,
        concurrentServiceSyncs: 1,
        maxEndpointsPerSlice: 100,
        mirroringMaxEndpointsPerSubset: 1000,
        allocateNodeCidrs: true,
        clusterCidr: '10.244.0.0/16',
        nodeCidrMaskSize: 24,
      },
    });
  });

  it('reads the networking controllers’ flags and checks the pod CIDR plan', () => {
    const c = configFromFlags({
      'cluster-cidr': '10.200.0.0/20',
      'node-cidr-mask-size': '26',
      'max-endpoints-per-slice': '3',
      'concurrent-endpoint-syncs': '2',
      'concurrent-service-endpoint-syncs': '3',
      'mirroring-concurrent-service-endpoint-syncs': '4',
      'mirroring-max-endpoints-per-subset': '10',
      'concurrent-service-syncs': '2',
    });
    assert.deepEqual(c.network, {
      concurrentEndpointSyncs: 2,
      concurrentServiceEndpointSyncs: 3,
      mirroringConcurrentServiceEndpointSyncs: 4,
      concurrentServiceSyncs: 2,
      maxEndpointsPerSlice: 3,
      mirroringMaxEndpointsPerSubset: 10,
      allocateNodeCidrs: true,
      clusterCidr: '10.200.0.0/20',
      nodeCidrMaskSize: 26,
    });
    assert.equal(configFromFlags({ 'allocate-node-cidrs': 'false' }).network?.allocateNodeCidrs, false);
    assert.deepEqual(normalizeBoolFlags(['--allocate-node-cidrs'], ['leader-elect', 'allocate-node-cidrs']), ['--allocate-node-cidrs=true']);
    assert.throws(() => configFromFlags({ 'cluster-cidr': '10.244.0.0' }), /--cluster-cidr\/--node-cidr-mask-size: "10.244.0.0" is not a CIDR/);
    assert.throws(() => configFromFlags({ 'node-cidr-mask-size': '8' }), /mask size 8 must be between the cluster CIDR's prefix \(16\) and 32/);
    assert.throws(() => configFromFlags({ 'cluster-cidr': '10.0.0.0/8', 'node-cidr-mask-size': '30' }), /too big/);
    // Not allocating: the pair is not used, so not checked.
    assert.equal(configFromFlags({ 'allocate-node-cidrs': 'false', 'node-cidr-mask-size': '8' }).network?.nodeCidrMaskSize, 8);
    assert.throws(() => configFromFlags({ 'max-endpoints-per-slice': '0' }), /--max-endpoints-per-slice must be an integer >= 1/);
  });

  it('reads the node lifecycle flags as Go durations and rates', () => {
    const c = configFromFlags({ 'node-monitor-period': '1s', 'node-monitor-grace-period': '1m30s', 'node-startup-grace-period': '500ms', 'node-eviction-rate': '2.5', 'unhealthy-zone-threshold': '1' });
    assert.equal(c.nodeLifecycle?.nodeMonitorPeriodMs, 1_000);
    assert.equal(c.nodeLifecycle?.nodeMonitorGracePeriodMs, 90_000);
    assert.equal(c.nodeLifecycle?.nodeStartupGracePeriodMs, 500);
    assert.equal(c.nodeLifecycle?.nodeEvictionRate, 2.5);
    assert.equal(c.nodeLifecycle?.unhealthyZoneThreshold, 1);
    assert.throws(() => configFromFlags({ 'node-monitor-grace-period': '40' }), /--node-monitor-grace-period must be a positive duration/);
    assert.throws(() => configFromFlags({ 'node-monitor-period': '0s' }), /--node-monitor-period/);
    assert.throws(() => configFromFlags({ 'node-eviction-rate': '-1' }), /--node-eviction-rate must be a number/);
    assert.throws(() => configFromFlags({ 'unhealthy-zone-threshold': '1.5' }), /--unhealthy-zone-threshold must be a number from 0 to 1/);
  });

  it('reads every flag', () => {
    const c = configFromFlags({
      apiserver: '127.0.0.2:7000',
      'bind-address': '0.0.0.0',
      'http-port': '0',
      'leader-elect': 'false',
      controllers: 'replicaset',
      'concurrent-replicaset-syncs': '2',
      'concurrent-deployment-syncs': '4',
      'concurrent-namespace-syncs': '6',
      'concurrent-gc-syncs': '3',
    });
    assert.equal(c.apiserver, '127.0.0.2:7000');
    assert.equal(c.bindAddress, '0.0.0.0');
    assert.equal(c.httpPort, 0);
    assert.equal(c.leaderElect, false);
    assert.equal(c.controllers, 'replicaset');
    assert.equal(c.concurrentReplicaSetSyncs, 2);
    assert.equal(c.concurrentDeploymentSyncs, 4);
    assert.equal(c.concurrentNamespaceSyncs, 6);
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
