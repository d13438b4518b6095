import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Condition, Lease, Node } from '@skiff/api';
import { NodeHealthMap, unknownConditions } from './node-health.js';
import { computeZoneState } from './zones.js';
import { TokenBucket } from './rate-limited-queue.js';
import { FakeClock } from '@skiff/machinery';

const ready = (heartbeat: string, status: Condition['status'] = 'True'): Condition => ({ type: 'Ready', status, lastHeartbeatTime: heartbeat, lastTransitionTime: 't0' });
const node = (conditions?: Condition[]): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', creationTimestamp: '2026-01-01T00:00:00Z' }, ...(conditions && { status: { conditions } }) });
const lease = (renewTime: string): Lease => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { renewTime } });

describe('node health', () => {
  it('moves the probe time on a new heartbeat or a renewed lease only, in the controller clock', () => {
    const m = new NodeHealthMap();
    assert.equal(m.observe(node([ready('h1')]), lease('2026-01-01T00:00:01Z'), 1_000).probeTimestamp, 1_000);
    assert.equal(m.observe(node([ready('h1')]), lease('2026-01-01T00:00:01Z'), 9_000).probeTimestamp, 1_000, 'nothing new');
    assert.equal(m.observe(node([ready('h1')]), lease('2026-01-01T00:00:11Z'), 12_000).probeTimestamp, 12_000, 'lease renewed');
    assert.equal(m.observe(node([ready('h2')]), lease('2026-01-01T00:00:11Z'), 15_000).probeTimestamp, 15_000, 'new heartbeat');
    assert.equal(m.observe(node([ready('h2')]), lease('2026-01-01T00:00:05Z'), 20_000).probeTimestamp, 15_000, 'an older renewTime is no renewal');
  });

  it('counts a node that never posted status from its creation', () => {
    const m = new NodeHealthMap();
    assert.equal(m.observe(node(), undefined, Date.parse('2026-01-01T00:01:00Z')).probeTimestamp, Date.parse('2026-01-01T00:00:00Z'));
  });

  it('sets the kubelet conditions Unknown, keeping heartbeats', () => {
    const mem: Condition = { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: 'h1', lastTransitionTime: 't0' };
    const net: Condition = { type: 'NetworkUnavailable', status: 'False', lastTransitionTime: 't0' };
    const out = unknownConditions(node([ready('h1'), mem, net]), 'NOW');
    assert.deepEqual(out.find((c) => c.type === 'Ready'), { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: 'h1', lastTransitionTime: 'NOW' });
    assert.equal(out.find((c) => c.type === 'MemoryPressure')?.status, 'Unknown');
    assert.deepEqual(out.find((c) => c.type === 'NetworkUnavailable'), net, 'not the kubelet’s to report');
    assert.deepEqual(out.find((c) => c.type === 'PIDPressure'), { type: 'PIDPressure', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: '2026-01-01T00:00:00Z', lastTransitionTime: 'NOW' });
  });

  it('computes zone states', () => {
    const c = (s: Condition['status']): Condition => ({ type: 'Ready', status: s });
    assert.equal(computeZoneState([c('Unknown'), undefined], 0.55).state, 'FullDisruption');
    assert.equal(computeZoneState([c('Unknown'), c('True')], 0.55).state, 'Normal');
    assert.equal(computeZoneState([c('Unknown'), c('False'), c('Unknown'), c('True')], 0.55).state, 'PartialDisruption');
    assert.equal(computeZoneState([c('Unknown'), c('False'), c('Unknown'), c('True'), c('True'), c('True')], 0.55).state, 'Normal');
    assert.equal(computeZoneState([], 0.55).state, 'Normal');
  });

  it('rate-limits with a token bucket of burst 1', () => {
    const clock = new FakeClock();
    const b = new TokenBucket(0.5, clock);
    assert.equal(b.tryAccept(), true);
    assert.equal(b.tryAccept(), false);
    assert.equal(b.msUntilToken(), 2_000);
    clock.advance(2_000);
    assert.equal(b.tryAccept(), true);
    b.setRate(0);
    clock.advance(60_000);
    assert.equal(b.tryAccept(), false);
    assert.equal(b.msUntilToken(), Infinity);
  });
});
