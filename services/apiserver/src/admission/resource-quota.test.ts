import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod, ResourceQuota } from '@skiff/api';
import { newTestRegistry, pod, rejectsWith } from '../registry/test-fixtures.js';

type Registry = Awaited<ReturnType<typeof newTestRegistry>>['registry'];

async function quotaStatus(registry: Registry, name = 'q'): Promise<ResourceQuota['status']> {
  return ((await registry.store('resourcequotas').get('default', name)) as ResourceQuota).status;
}

function sized(name: string, memory: string): Pod {
  return pod(name, { containers: [{ name: 'web', image: 'x:1', resources: { requests: { memory }, limits: { memory } } }] });
}

test('a create that would exceed a quota is refused with what was requested, used and limited', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    await registry.store('quota').create('default', { metadata: { name: 'q' }, spec: { hard: { 'requests.memory': '2Gi', pods: '5' } } });
    await pods.create('default', sized('a', '1Gi'));
    assert.deepEqual(await quotaStatus(registry), { hard: { 'requests.memory': '2Gi', pods: '5' }, used: { 'requests.memory': '1Gi', pods: '1' } });
    await rejectsWith(
      pods.create('default', sized('b', '2Gi')),
      'Forbidden',
      'pods "b" is forbidden: exceeded quota: q, requested: requests.memory=2Gi, used: requests.memory=1Gi, limited: requests.memory=2Gi',
    );
    await pods.create('default', sized('c', '1Gi'));
    assert.deepEqual((await quotaStatus(registry))?.used, { 'requests.memory': '2Gi', pods: '2' });
  } finally {
    await close();
  }
});

test('object counts: pods, configmaps, secrets and count/<resource>.<group>', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await registry.store('quota').create('default', { metadata: { name: 'q' }, spec: { hard: { pods: '1', configmaps: '1', 'count/secrets': '0', 'count/replicasets.apps': '0' } } });
    await registry.store('pods').create('default', pod('a'));
    await rejectsWith(registry.store('pods').create('default', pod('b')), 'Forbidden', 'pods "b" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1');
    await registry.store('cm').create('default', { metadata: { name: 'c1' } });
    await rejectsWith(registry.store('cm').create('default', { metadata: { name: 'c2' } }), 'Forbidden', /^configmaps "c2" is forbidden: exceeded quota: q, requested: configmaps=1, used: configmaps=1, limited: configmaps=1$/);
    await rejectsWith(registry.store('secrets').create('default', { metadata: { name: 's' } }), 'Forbidden', /exceeded quota: q, requested: count\/secrets=1, used: count\/secrets=0, limited: count\/secrets=0/);
    await rejectsWith(
      registry.store('rs').create('default', {
        metadata: { name: 'r' },
        spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
      }),
      'Forbidden',
      /^replicasets\.apps "r" is forbidden: exceeded quota: q, requested: count\/replicasets\.apps=1/,
    );
    const other = pod('elsewhere');
    other.metadata.namespace = 'kube-system';
    await registry.store('pods').create('kube-system', other);
  } finally {
    await close();
  }
});

test('pods must state the requests and limits a quota tracks', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await registry.store('quota').create('default', { metadata: { name: 'compute' }, spec: { hard: { 'limits.cpu': '2', 'requests.memory': '1Gi' } } });
    await rejectsWith(
      registry.store('pods').create('default', pod('bare', { containers: [{ name: 'web', image: 'x:1' }, { name: 'side', image: 'x:1', resources: { requests: { memory: '10Mi' } } }] })),
      'Forbidden',
      'pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: side,web; must specify requests.memory for: web',
    );
    // A LimitRange filling the defaults (LimitRanger runs first) makes the same pod acceptable.
    await registry.store('limits').create('default', { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', default: { cpu: '200m' }, defaultRequest: { memory: '64Mi' } }] } });
    await registry.store('pods').create('default', pod('bare', { containers: [{ name: 'web', image: 'x:1' }] }));
    assert.deepEqual((await quotaStatus(registry, 'compute'))?.used, { 'limits.cpu': '200m', 'requests.memory': '64Mi' });
  } finally {
    await close();
  }
});

test('usage is recomputed from the namespace: deleted and finished pods stop counting', async () => {
  const { registry, close } = await newTestRegistry();
  const pods = registry.store('pods');
  try {
    await pods.create('default', pod('before'));
    await registry.store('quota').create('default', { metadata: { name: 'q' }, spec: { hard: { pods: '2' } } });
    assert.deepEqual((await quotaStatus(registry))?.used, { pods: '1' }, 'a new quota counts what already exists');
    await pods.create('default', pod('second'));
    await rejectsWith(pods.create('default', pod('third')), 'Forbidden', /exceeded quota: q/);
    await pods.delete('default', 'before');
    await pods.create('default', pod('third'));
    const done = (await pods.get('default', 'third')) as Pod;
    await pods.update('default', 'third', { ...done, status: { ...done.status, phase: 'Succeeded' } }, { subresource: 'status' });
    await pods.create('default', pod('fourth'));
    assert.deepEqual((await quotaStatus(registry))?.used, { pods: '2' });
  } finally {
    await close();
  }
});

test('concurrent creates cannot overshoot a quota', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await registry.store('quota').create('default', { metadata: { name: 'q' }, spec: { hard: { pods: '3' } } });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => registry.store('pods').create('default', pod(`p${i}`))));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    assert.equal((await registry.store('pods').list({ namespace: 'default' })).items.length, 3);
    assert.deepEqual((await quotaStatus(registry))?.used, { pods: '3' });
  } finally {
    await close();
  }
});

test('a dry run is checked but not charged', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    await registry.store('quota').create('default', { metadata: { name: 'q' }, spec: { hard: { pods: '1' } } });
    await registry.store('pods').create('default', pod('dry'), { dryRun: true });
    assert.deepEqual((await quotaStatus(registry))?.used, { pods: '0' });
    await registry.store('pods').create('default', pod('real'));
    await rejectsWith(registry.store('pods').create('default', pod('dry2'), { dryRun: true }), 'Forbidden', /exceeded quota/);
  } finally {
    await close();
  }
});

test('a quota counting resourcequotas counts itself; changing hard updates its status', async () => {
  const { registry, close } = await newTestRegistry();
  const quotas = registry.store('quota');
  try {
    const q = (await quotas.create('default', { metadata: { name: 'q' }, spec: { hard: { resourcequotas: '1', pods: '0' } } })) as ResourceQuota;
    assert.deepEqual(q.status?.used, { resourcequotas: '1', pods: '0' });
    await rejectsWith(quotas.create('default', { metadata: { name: 'q2' }, spec: { hard: { pods: '1' } } }), 'Forbidden', /exceeded quota: q, requested: resourcequotas=1, used: resourcequotas=1, limited: resourcequotas=1/);
    const raised = (await quotas.update('default', 'q', { ...q, spec: { hard: { resourcequotas: '2', pods: '3' } } })) as ResourceQuota;
    assert.deepEqual(raised.status, { hard: { resourcequotas: '2', pods: '3' }, used: { resourcequotas: '1', pods: '0' } });
  } finally {
    await close();
  }
});
