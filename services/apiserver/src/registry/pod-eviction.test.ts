import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, PodDisruptionBudget } from '@skiff/api';
import { evictPod, EVICTION_SUCCESS } from './pod-eviction.js';
import { newTestRegistry, pod, rejectsWith } from './test-fixtures.js';

type Registry = Awaited<ReturnType<typeof newTestRegistry>>['registry'];

const eviction = (name: string, deleteOptions?: Record<string, unknown>) => ({
  apiVersion: 'policy/v1',
  kind: 'Eviction',
  metadata: { name, namespace: 'default' },
  ...(deleteOptions ? { deleteOptions } : {}),
});

/** A pod bound to n1 and running (ready unless said otherwise). */
async function running(registry: Registry, name: string, ready = true): Promise<Pod> {
  const pods = registry.store('pods');
  await pods.create('default', pod(name, {}, { app: 'web' }));
  await registry.bind('default', name, { target: { kind: 'Node', name: 'n1' } });
  const p = (await pods.get('default', name)) as Pod;
  const status = { ...p.status, phase: 'Running' as const, conditions: [{ type: 'Ready', status: ready ? ('True' as const) : ('False' as const) }] };
  return (await pods.update('default', name, { ...p, status }, { subresource: 'status' })) as Pod;
}

/** A budget the disruption controller has processed, allowing `allowed` disruptions. */
async function budget(registry: Registry, allowed: number, name = 'web-pdb', processed = true): Promise<PodDisruptionBudget> {
  const pdbs = registry.store('pdb');
  const pdb = (await pdbs.create('default', { metadata: { name }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } })) as PodDisruptionBudget;
  if (!processed) return pdb;
  const status = { observedGeneration: 1, currentHealthy: 2 + allowed, desiredHealthy: 2, disruptionsAllowed: allowed, expectedPods: 2 + allowed };
  return (await pdbs.update('default', name, { ...pdb, status }, { subresource: 'status' })) as PodDisruptionBudget;
}

test('without a budget an eviction deletes the pod gracefully', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await running(registry, 'a');
    assert.deepEqual(await evictPod(registry, 'default', 'a', eviction('a')), EVICTION_SUCCESS);
    const gone = (await registry.store('pods').get('default', 'a')) as Pod;
    assert.ok(gone.metadata.deletionTimestamp, 'a bound pod is marked and given its grace period');
    assert.equal(gone.metadata.deletionGracePeriodSeconds, 30);
    await running(registry, 'b');
    await evictPod(registry, 'default', '', eviction('b', { gracePeriodSeconds: 5 }));
    assert.equal((await registry.store('pods').get('default', 'b')).metadata.deletionGracePeriodSeconds, 5, 'the Eviction\'s delete options apply');
  } finally {
    await close();
  }
});

test('a budget with no disruption left refuses with 429 TooManyRequests and keeps the pod', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await running(registry, 'a');
    await budget(registry, 0);
    const e = await rejectsWith(evictPod(registry, 'default', 'a', eviction('a')), 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal(e.code, 429);
    assert.deepEqual(e.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently', field: '' }]);
    assert.equal((await registry.store('pods').get('default', 'a')).metadata.deletionTimestamp, undefined);
  } finally {
    await close();
  }
});

test('a budget the disruption controller has not processed yet refuses', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await running(registry, 'a');
    await budget(registry, 0, 'fresh', false);
    const e = await rejectsWith(evictPod(registry, 'default', 'a', eviction('a')), 'TooManyRequests');
    assert.equal(e.details.causes?.[0]?.message, 'The disruption budget fresh is still being processed by the server.');
  } finally {
    await close();
  }
});

test('an allowed eviction takes one disruption from the budget, recording the pod', async () => {
  const { registry, close } = await newTestRegistry({ now: () => new Date('2025-01-01T00:00:00Z') });
  try {
    await running(registry, 'a');
    await running(registry, 'b');
    await budget(registry, 1);
    await evictPod(registry, 'default', 'a', eviction('a'));
    assert.ok((await registry.store('pods').get('default', 'a')).metadata.deletionTimestamp);
    const pdb = (await registry.store('pdb').get('default', 'web-pdb')) as PodDisruptionBudget;
    assert.equal(pdb.status?.disruptionsAllowed, 0);
    assert.deepEqual(Object.keys(pdb.status?.disruptedPods ?? {}), ['a']);
    assert.equal(pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed')?.status, 'False');
    await rejectsWith(evictPod(registry, 'default', 'b', eviction('b')), 'TooManyRequests');
  } finally {
    await close();
  }
});

test('pending, unready and already deleted pods, dry runs and bad requests', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    await budget(registry, 0);
    await pods.create('default', pod('pending', {}, { app: 'web' }));
    await evictPod(registry, 'default', 'pending', eviction('pending'));
    await rejectsWith(pods.get('default', 'pending'), 'NotFound');
    await running(registry, 'unready', false);
    await evictPod(registry, 'default', 'unready', eviction('unready'));
    assert.ok((await pods.get('default', 'unready')).metadata.deletionTimestamp, 'an unready pod does not count as healthy: the met budget lets it go');
    assert.equal(((await registry.store('pdb').get('default', 'web-pdb')) as PodDisruptionBudget).status?.disruptionsAllowed, 0);

    await running(registry, 'dry');
    await rejectsWith(evictPod(registry, 'default', 'dry', eviction('dry'), { dryRun: true }), 'TooManyRequests');
    await rejectsWith(evictPod(registry, 'default', 'dry', eviction('other')), 'BadRequest', 'name in URL does not match name in Eviction object');
    await rejectsWith(evictPod(registry, 'default', 'ghost', eviction('ghost')), 'NotFound', 'pods "ghost" not found');
    await budget(registry, 1, 'second');
    await rejectsWith(evictPod(registry, 'default', 'dry', eviction('dry')), 'InternalError', /This pod has more than one PodDisruptionBudget, which the eviction subresource does not support\./);
  } finally {
    await close();
  }
});
