import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Namespace } from '@skiff/api';
import { makePod } from '../../testing/fixtures.js';
import {
  FINALIZER_ESTIMATE_SECONDS,
  finalizersWithoutOurs,
  namespacedResources,
  needsFinalizing,
  podGraceEstimateSeconds,
  remainingAfterDelete,
  requeueAfterMs,
} from './namespace-content.js';

const T = Date.parse('2026-01-01T00:00:00Z');
const ns = (o: { deleting?: boolean; finalizers?: string[] } = {}): Namespace => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'team', ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { finalizers: o.finalizers ?? ['kubernetes'] },
});

describe('namespace content', () => {
  it('empties every namespaced kind, and no cluster-scoped one', () => {
    const resources = namespacedResources();
    for (const r of ['pods', 'replicasets', 'deployments', 'events', 'leases']) assert.ok(resources.includes(r), r);
    assert.ok(!resources.includes('namespaces'));
    assert.ok(!resources.includes('nodes'));
  });

  it('works on a namespace only while it is being deleted and carries the kubernetes finalizer', () => {
    assert.ok(needsFinalizing(ns({ deleting: true })));
    assert.ok(!needsFinalizing(ns()));
    assert.ok(!needsFinalizing(ns({ deleting: true, finalizers: ['example.com/other'] })));
    assert.deepEqual(finalizersWithoutOurs(ns({ finalizers: ['example.com/a', 'kubernetes'] })), ['example.com/a']);
  });

  it('estimates the longest grace period of unfinished pods, until that long has passed', () => {
    const pod = (grace: number, phase?: 'Succeeded') => {
      const p = makePod(phase ? { phase } : {});
      p.spec.terminationGracePeriodSeconds = grace;
      return p;
    };
    assert.equal(podGraceEstimateSeconds([pod(30), pod(10)], T + 5_000, T), 30);
    assert.equal(podGraceEstimateSeconds([pod(30), pod(60, 'Succeeded')], T, T), 30, 'finished pods do not count');
    assert.equal(podGraceEstimateSeconds([pod(30)], T + 30_000, T), 0, 'the grace period has passed');
    assert.equal(podGraceEstimateSeconds([], T, T), 0);
  });

  it('judges what remains after the deletes: wait out the grace, allow finalizers, else an error', () => {
    const held = makePod();
    held.metadata.finalizers = ['example.com/hold'];
    assert.deepEqual(remainingAfterDelete('pods', [], 30), { estimateSeconds: 0 });
    assert.deepEqual(remainingAfterDelete('pods', [makePod()], 30), { estimateSeconds: 30 });
    assert.deepEqual(remainingAfterDelete('replicasets', [held], 0), { estimateSeconds: FINALIZER_ESTIMATE_SECONDS });
    assert.match('unexpected' in remainingAfterDelete('pods', [makePod()], 0) ? 'unexpected' : '', /unexpected/);
  });

  it('looks again after half the estimate plus a second', () => {
    assert.equal(requeueAfterMs(30), 16_000);
    assert.equal(requeueAfterMs(15), 8_000);
    assert.equal(requeueAfterMs(1), 1_000);
  });
});
