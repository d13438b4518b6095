import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { newTestRegistry, pod, rejectsWith } from '../registry/test-fixtures.js';

async function withLimitRange(limits: unknown[]) {
  const t = await newTestRegistry();
  await t.registry.store('limitranges').create('default', { metadata: { name: 'lr' }, spec: { limits } });
  return t;
}

test('containers without requests or limits get the LimitRange defaults, noted in an annotation', async () => {
  const { registry, close } = await withLimitRange([{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }]);
  try {
    const p = pod('p', {
      initContainers: [{ name: 'init', image: 'x:1', resources: { requests: { cpu: '50m' } } }],
      containers: [
        { name: 'bare', image: 'x:1' },
        { name: 'own', image: 'x:1', resources: { limits: { memory: '64Mi' } } },
      ],
    });
    const created = (await registry.store('pods').create('default', p)) as Pod;
    assert.deepEqual(created.spec.containers[0]?.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    assert.deepEqual(created.spec.containers[1]?.resources, { limits: { memory: '64Mi', cpu: '500m' }, requests: { memory: '64Mi', cpu: '100m' } }, 'the pod\'s own values win; its request defaulted from its limit first');
    assert.deepEqual(created.spec.initContainers?.[0]?.resources, { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    assert.equal(
      created.metadata.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container bare; cpu, memory limit for container bare; cpu request for container own; cpu limit for container own; memory request for init container init; cpu, memory limit for init container init',
    );
    assert.equal(created.status?.qosClass, 'Burstable', 'QoS is computed from the defaulted resources');
  } finally {
    await close();
  }
});

test('a container over max or under min is refused with Kubernetes\' message', async () => {
  const { registry, close } = await withLimitRange([{ type: 'Container', max: { memory: '1Gi' }, min: { cpu: '100m' } }]);
  const pods = registry.store('pods');
  try {
    await rejectsWith(
      pods.create('default', pod('big', { containers: [{ name: 'c', image: 'x:1', resources: { limits: { memory: '2Gi', cpu: '1' } } }] })),
      'Forbidden',
      'pods "big" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi',
    );
    await rejectsWith(
      pods.create('default', pod('small', { containers: [{ name: 'c', image: 'x:1', resources: { requests: { cpu: '50m', memory: '1Gi' }, limits: { memory: '1Gi' } } }] })),
      'Forbidden',
      'pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m',
    );
    // The defaults (max → default limit, min → default request) make a bare container fit.
    const fits = (await pods.create('default', pod('fits'))) as Pod;
    assert.deepEqual(fits.spec.containers[0]?.resources, { requests: { memory: '1Gi', cpu: '100m' }, limits: { memory: '1Gi' } });
    assert.equal((await pods.list({ namespace: 'default' })).items.length, 1, 'nothing refused was stored');
  } finally {
    await close();
  }
});

test('Pod items bound the pod\'s totals; maxLimitRequestRatio bounds limit/request', async () => {
  const { registry, close } = await withLimitRange([
    { type: 'Pod', max: { memory: '1Gi' } },
    { type: 'Container', maxLimitRequestRatio: { cpu: '2' } },
  ]);
  try {
    const two = (memory: string) => ({ name: `c${memory.toLowerCase()}`, image: 'x:1', resources: { requests: { cpu: '100m' }, limits: { memory, cpu: '200m' } } });
    await rejectsWith(
      registry.store('pods').create('default', pod('p', { containers: [two('768Mi'), two('512Mi')] })),
      'Forbidden',
      'pods "p" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1280Mi',
    );
    await rejectsWith(
      registry.store('pods').create('default', pod('r', { containers: [{ name: 'c', image: 'x:1', resources: { requests: { cpu: '100m' }, limits: { cpu: '1', memory: '1Gi' } } }] })),
      'Forbidden',
      'pods "r" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 10.000000',
    );
    await registry.store('pods').create('default', pod('ok', { containers: [two('256Mi'), two('512Mi')] }));
  } finally {
    await close();
  }
});

test('several violations are reported together; other namespaces are not affected', async () => {
  const { registry, close } = await withLimitRange([{ type: 'Container', max: { memory: '1Gi', cpu: '1' } }]);
  try {
    await rejectsWith(
      registry.store('pods').create('default', pod('p', { containers: [{ name: 'c', image: 'x:1', resources: { limits: { memory: '2Gi', cpu: '2' } } }] })),
      'Forbidden',
      'pods "p" is forbidden: [maximum memory usage per Container is 1Gi, but limit is 2Gi, maximum cpu usage per Container is 1, but limit is 2]',
    );
    const other = pod('p', { containers: [{ name: 'c', image: 'x:1', resources: { limits: { memory: '2Gi' } } }] });
    other.metadata.namespace = 'kube-system';
    await registry.store('pods').create('kube-system', other);
  } finally {
    await close();
  }
});
