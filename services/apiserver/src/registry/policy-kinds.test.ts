// LimitRange, ResourceQuota and PodDisruptionBudget validation and defaults (MemoryStorage).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LimitRange, PodDisruptionBudget, ResourceQuota } from '@skiff/api';
import { newTestRegistry, rejectsWith } from './test-fixtures.js';

function causes(e: { details: { causes?: { field: string; message: string }[] } }): string[] {
  return (e.details.causes ?? []).map((c) => `${c.field}: ${c.message}`);
}

test('a LimitRange Container item defaults default from max and defaultRequest from default, then min', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const lr = (await registry.store('limits').create('default', {
      metadata: { name: 'lr' },
      spec: { limits: [{ type: 'Container', max: { memory: '1Gi', cpu: 2 }, min: { cpu: '100m' } }, { type: 'Pod', max: { memory: '2Gi' } }] },
    })) as LimitRange;
    assert.deepEqual(lr.spec.limits[0], {
      type: 'Container',
      max: { memory: '1Gi', cpu: '2' },
      min: { cpu: '100m' },
      default: { memory: '1Gi', cpu: '2' },
      defaultRequest: { memory: '1Gi', cpu: '2' },
    });
    assert.deepEqual(lr.spec.limits[1], { type: 'Pod', max: { memory: '2Gi' } }, 'Pod items get no defaults');
  } finally {
    await close();
  }
});

test('LimitRange: min ≤ defaultRequest ≤ default ≤ max, known types and resources, no defaults for Pod', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const e = await rejectsWith(
      registry.store('limitranges').create('default', {
        metadata: { name: 'lr' },
        spec: {
          limits: [
            { type: 'Container', min: { memory: '2Gi' }, max: { memory: '1Gi' }, default: { memory: '512Mi' }, defaultRequest: { memory: '768Mi', gpu: '1' } },
            { type: 'Pod', default: { cpu: '1' }, maxLimitRequestRatio: { cpu: '0.5' } },
            { type: 'Container' },
            { type: 'Node' },
          ],
        },
      }),
      'Invalid',
    );
    assert.deepEqual(causes(e), [
      'spec.limits[0].defaultRequest[gpu]: Invalid value: "gpu": must be a standard resource for containers',
      'spec.limits[0].min[memory]: Invalid value: "2Gi": min value 2Gi is greater than max value 1Gi',
      'spec.limits[0].defaultRequest[memory]: Invalid value: "768Mi": min value 2Gi is greater than default request value 768Mi',
      'spec.limits[0].defaultRequest[memory]: Invalid value: "768Mi": default request value 768Mi is greater than default limit value 512Mi',
      'spec.limits[0].default[memory]: Invalid value: "2Gi": min value 2Gi is greater than default value 512Mi',
      "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'",
      'spec.limits[1].maxLimitRequestRatio[cpu]: Invalid value: "0.5": ratio 0.5 is less than 1',
      'spec.limits[2].type: Duplicate value: "Container"',
      'spec.limits[3].type: Invalid value: "Node": must be a standard limit type or fully qualified',
    ]);
  } finally {
    await close();
  }
});

test('ResourceQuota: standard or qualified resource names, quantities that parse, whole object counts; status starts empty', async () => {
  const { registry, close } = await newTestRegistry();
  const quotas = registry.store('quota');
  try {
    const e = await rejectsWith(
      quotas.create('default', { metadata: { name: 'q' }, spec: { hard: { pods: '2.5', 'requests.memory': 'lots', widgets: '1', 'count/deployments.apps': '-1' } } }),
      'Invalid',
    );
    assert.deepEqual(causes(e), [
      'spec.hard[pods]: Invalid value: "2.5": must be an integer',
      "spec.hard[requests.memory]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
      'spec.hard[count/deployments.apps]: Invalid value: "-1": must be greater than or equal to 0',
    ]);
    const q = (await quotas.create('default', { metadata: { name: 'q' }, spec: { hard: { pods: 10, 'limits.cpu': '4', 'count/configmaps': '5' } } })) as ResourceQuota;
    assert.deepEqual(q.spec.hard, { pods: '10', 'limits.cpu': '4', 'count/configmaps': '5' });
    assert.deepEqual(q.status, { hard: { pods: '10', 'limits.cpu': '4', 'count/configmaps': '5' }, used: { pods: '0', 'limits.cpu': '0', 'count/configmaps': '0' } });
  } finally {
    await close();
  }
});

test('PodDisruptionBudget: exactly one of minAvailable and maxUnavailable, a count or a percentage up to 100%', async () => {
  const { registry, close } = await newTestRegistry();
  const pdbs = registry.store('pdb');
  const selector = { matchLabels: { app: 'web' } };
  try {
    await rejectsWith(pdbs.create('default', { metadata: { name: 'p' }, spec: { minAvailable: 1, maxUnavailable: 1, selector } }), 'Invalid', /spec: Invalid value: .*: minAvailable and maxUnavailable cannot be both set/);
    await rejectsWith(pdbs.create('default', { metadata: { name: 'p' }, spec: { selector } }), 'Invalid', 'PodDisruptionBudget.policy "p" is invalid: spec.minAvailable: Required value: one of minAvailable or maxUnavailable must be set');
    await rejectsWith(pdbs.create('default', { metadata: { name: 'p' }, spec: { minAvailable: '120%', selector } }), 'Invalid', 'PodDisruptionBudget.policy "p" is invalid: spec.minAvailable: Invalid value: 120%: must not be greater than 100%');
    await rejectsWith(pdbs.create('default', { metadata: { name: 'p' }, spec: { maxUnavailable: 'half', selector } }), 'Invalid', /spec\.maxUnavailable: Invalid value: half: a valid percent string must be a numeric string followed by an ending '%'/);
    await rejectsWith(pdbs.create('default', { metadata: { name: 'p' }, spec: { maxUnavailable: -1, selector } }), 'Invalid', /spec\.maxUnavailable: Invalid value: -1: must be greater than or equal to 0/);
    await rejectsWith(pdbs.create('default', { metadata: { name: 'p' }, spec: { maxUnavailable: 1.5, selector } }), 'BadRequest', /intstr\.IntOrString/);
    const pdb = (await pdbs.create('default', { metadata: { name: 'p' }, spec: { minAvailable: '50%', selector } })) as PodDisruptionBudget;
    assert.equal(pdb.metadata.generation, 1);
    assert.deepEqual(pdb.status, { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 });
    const status = { ...pdb.status!, observedGeneration: 1, disruptionsAllowed: -1 };
    await rejectsWith(pdbs.update('default', 'p', { ...pdb, status }, { subresource: 'status' }), 'Invalid', /status\.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0/);
  } finally {
    await close();
  }
});
