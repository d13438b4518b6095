import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment } from '@skiff/api';
import { causes, deployment, newTestRegistry, rejectsWith } from './test-fixtures.js';

/** A deployment whose spec is changed by `edit` (a plain object, so invalid values can be set). */
function edited(edit: (spec: Record<string, unknown>) => void): Deployment {
  const d = deployment('web');
  edit(d.spec as unknown as Record<string, unknown>);
  return d;
}

test('a Deployment is defaulted as SetDefaults_Deployment, its pod template as a pod', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const d = (await registry.store('deploy').create('default', deployment('web'))) as Deployment;
    assert.equal(d.apiVersion, 'apps/v1');
    assert.equal(d.kind, 'Deployment');
    assert.equal(d.metadata.generation, 1);
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec.revisionHistoryLimit, 10);
    assert.equal(d.spec.progressDeadlineSeconds, 600);
    assert.equal(d.spec.minReadySeconds, 0);
    assert.equal(d.spec.template.spec.restartPolicy, 'Always');
    assert.equal(d.spec.template.spec.terminationGracePeriodSeconds, 30);
    assert.equal(d.spec.template.spec.containers[0]?.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(d.status, {}, 'status is reset on create');

    const partial = edited((s) => (s['strategy'] = { rollingUpdate: { maxSurge: 1 } }));
    partial.metadata.name = 'partial';
    const p = (await registry.store('deployments').create('default', partial)) as Deployment;
    assert.deepEqual(p.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });

    const recreate = edited((s) => (s['strategy'] = { type: 'Recreate' }));
    recreate.metadata.name = 'recreate';
    const r = (await registry.store('deployments').create('default', recreate)) as Deployment;
    assert.deepEqual(r.spec.strategy, { type: 'Recreate' }, 'no rollingUpdate for Recreate');
  } finally {
    await close();
  }
});

test('Deployment validation: every rule with its field path and Kubernetes\' message', async () => {
  const { registry, close } = await newTestRegistry();
  const store = registry.store('deployments');
  const problems = async (d: Deployment): Promise<string[]> => causes(await rejectsWith(store.create('default', d), 'Invalid'));
  try {
    const cases: [string, (s: Record<string, unknown>) => void, string[]][] = [
      ['no selector', (s) => delete s['selector'], ['spec.selector: Required value']],
      ['empty selector', (s) => (s['selector'] = {}), ['spec.selector: Invalid value: {}: empty selector is invalid for deployment']],
      [
        'selector not matching the template',
        (s) => (s['selector'] = { matchLabels: { app: 'other' } }),
        ['spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'],
      ],
      ['negative replicas', (s) => (s['replicas'] = -1), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
      [
        'negative minReadySeconds',
        (s) => (s['minReadySeconds'] = -5),
        ['spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0'],
      ],
      [
        'negative revisionHistoryLimit',
        (s) => (s['revisionHistoryLimit'] = -1),
        ['spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0'],
      ],
      [
        'progressDeadlineSeconds not above minReadySeconds',
        (s) => Object.assign(s, { minReadySeconds: 30, progressDeadlineSeconds: 30 }),
        ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds'],
      ],
      [
        'minReadySeconds above the default deadline',
        (s) => (s['minReadySeconds'] = 700),
        ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds'],
      ],
      [
        'negative progressDeadlineSeconds',
        (s) => (s['progressDeadlineSeconds'] = -1),
        [
          'spec.progressDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
          'spec.progressDeadlineSeconds: Invalid value: -1: must be greater than minReadySeconds',
        ],
      ],
      [
        'an unknown strategy type',
        (s) => (s['strategy'] = { type: 'Canary' }),
        ['spec.strategy: Unsupported value: {"type":"Canary"}: supported values: "Recreate", "RollingUpdate"'],
      ],
      [
        'rollingUpdate with Recreate',
        (s) => (s['strategy'] = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }),
        ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
      ],
      [
        'maxSurge and maxUnavailable both 0',
        (s) => (s['strategy'] = { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }),
        ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
      ],
      [
        'both 0 as percentages',
        (s) => (s['strategy'] = { rollingUpdate: { maxSurge: '0%', maxUnavailable: '0%' } }),
        ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0%: may not be 0 when `maxSurge` is 0'],
      ],
      [
        'a percentage that is not one',
        (s) => (s['strategy'] = { rollingUpdate: { maxSurge: 'lots', maxUnavailable: '10' } }),
        [
          "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 10: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
          "spec.strategy.rollingUpdate.maxSurge: Invalid value: lots: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ],
      ],
      [
        'negative counts',
        (s) => (s['strategy'] = { rollingUpdate: { maxSurge: -1, maxUnavailable: -2 } }),
        [
          'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: -2: must be greater than or equal to 0',
          'spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0',
        ],
      ],
      [
        'maxUnavailable over 100%',
        (s) => (s['strategy'] = { rollingUpdate: { maxUnavailable: '101%' } }),
        ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 101%: must not be greater than 100%'],
      ],
      [
        'the pod template is validated as a pod',
        (s) => (s['template'] = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: '' }], restartPolicy: 'Never' } }),
        ['spec.template.spec.containers[0].image: Required value', 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
      ],
    ];
    for (const [what, edit, expected] of cases) assert.deepEqual(await problems(edited(edit)), expected, what);

    const e = await rejectsWith(store.create('default', edited((s) => (s['replicas'] = -1))), 'Invalid');
    assert.equal(e.message, 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    // Valid edge values pass: a surge of 0 with some unavailability, 100%, counts as numbers.
    const ok = edited((s) => (s['strategy'] = { rollingUpdate: { maxSurge: 0, maxUnavailable: '100%' } }));
    assert.ok(await store.create('default', ok));
    assert.equal((await store.list()).items.length, 1, 'nothing invalid was stored');
  } finally {
    await close();
  }
});

test('Deployment fields Skiff does not support are refused by name, and wrong types too', async () => {
  const { registry, close } = await newTestRegistry();
  const store = registry.store('deployments');
  try {
    await rejectsWith(
      store.create('default', edited((s) => (s['rollbackTo'] = { revision: 1 }))),
      'BadRequest',
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.rollbackTo"',
    );
    await rejectsWith(
      store.create('default', edited((s) => (s['strategy'] = { rollingUpdate: { maxSurge: 1.5 } }))),
      'BadRequest',
      /json: cannot unmarshal number into field spec\.strategy\.rollingUpdate\.maxSurge of type intstr\.IntOrString/,
    );
    await rejectsWith(store.create('default', edited((s) => (s['paused'] = 'yes'))), 'BadRequest', /spec\.paused of type boolean/);
    const d = edited((s) => (s['paused'] = true));
    const created = (await store.create('default', d)) as Deployment;
    assert.equal(created.spec.paused, true);
    await rejectsWith(store.patch('default', 'web', { status: { conditions: [{ type: 'Progressing', status: 'True', lastUpdateTime: 'x', bogus: 1 }] } }, { subresource: 'status' }), 'BadRequest', /unknown field "status\.conditions\[0\]\.bogus"/);
  } finally {
    await close();
  }
});

test('the Deployment selector is immutable; generation grows on spec and annotation changes only', async () => {
  const { registry, close } = await newTestRegistry();
  const store = registry.store('deployments');
  try {
    const d = (await store.create('default', deployment('web', 2))) as Deployment;
    const sel = structuredClone(d);
    sel.spec.selector = { matchLabels: { app: 'web', tier: 'x' } };
    sel.spec.template.metadata = { labels: { app: 'web', tier: 'x' } };
    await rejectsWith(
      store.update('default', 'web', sel),
      'Invalid',
      'Deployment.apps "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"x"}}: field is immutable',
    );
    const labelled = (await store.patch('default', 'web', { metadata: { labels: { a: 'b' } } })) as Deployment;
    assert.equal(labelled.metadata.generation, 1, 'labels are not a new generation');
    const annotated = (await store.patch('default', 'web', { metadata: { annotations: { 'kubernetes.io/change-cause': 'v2' } } })) as Deployment;
    assert.equal(annotated.metadata.generation, 2, 'annotations are copied to ReplicaSets, so they count');
    const image = (await store.patch('default', 'web', { spec: { template: { spec: { containers: [{ name: 'web', image: 'skiff/demo-web:v2' }] } } } })) as Deployment;
    assert.equal(image.metadata.generation, 3);
    const status = (await store.update('default', 'web', { ...image, status: { observedGeneration: 3, replicas: 2, readyReplicas: 2 } }, { subresource: 'status' })) as Deployment;
    assert.equal(status.metadata.generation, 3, 'status is not a new generation');
    assert.deepEqual(status.status, { observedGeneration: 3, replicas: 2, readyReplicas: 2 });
  } finally {
    await close();
  }
});

test('Deployment status is validated as ValidateDeploymentStatusUpdate', async () => {
  const { registry, close } = await newTestRegistry();
  const store = registry.store('deployments');
  try {
    await store.create('default', deployment('web'));
    const e = await rejectsWith(
      store.patch('default', 'web', { status: { replicas: 1, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 2, unavailableReplicas: -1 } }, { subresource: 'status' }),
      'Invalid',
    );
    assert.deepEqual(causes(e), [
      'status.unavailableReplicas: Invalid value: -1: must be greater than or equal to 0',
      'status.updatedReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas',
    ]);
    await store.patch('default', 'web', { status: { collisionCount: 2 } }, { subresource: 'status' });
    await rejectsWith(store.patch('default', 'web', { status: { collisionCount: 1 } }, { subresource: 'status' }), 'Invalid', /status\.collisionCount: Invalid value: 1: cannot be decremented/);
    const conditions = [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z' }];
    const ok = (await store.patch('default', 'web', { status: { conditions } }, { subresource: 'status' })) as Deployment;
    assert.deepEqual(ok.status?.conditions, conditions);
  } finally {
    await close();
  }
});

test('Deployments select on metadata.name and metadata.namespace only', async () => {
  const { registry, close } = await newTestRegistry();
  const store = registry.store('deployments');
  try {
    await store.create('default', deployment('a'));
    await store.create('kube-system', { ...deployment('b'), metadata: { name: 'b', namespace: 'kube-system' } });
    const names = async (fieldSelector: string) => (await store.list({ fieldSelector })).items.map((d) => d.metadata.name);
    assert.deepEqual(await names('metadata.name=a'), ['a']);
    assert.deepEqual(await names('metadata.namespace=kube-system'), ['b']);
    await rejectsWith(store.list({ fieldSelector: 'spec.replicas=1' }), 'BadRequest', 'field label not supported: spec.replicas');
  } finally {
    await close();
  }
});

test('deleting a Deployment honours propagationPolicy: Foreground and Orphan leave finalizers, Background removes it', async () => {
  const { registry, close } = await newTestRegistry();
  const store = registry.store('deployments');
  try {
    for (const name of ['fg', 'or', 'bg']) await store.create('default', deployment(name));
    const fg = await store.delete('default', 'fg', { propagationPolicy: 'Foreground' });
    assert.deepEqual(fg.metadata.finalizers, ['foregroundDeletion']);
    assert.ok(fg.metadata.deletionTimestamp);
    const or = await store.delete('default', 'or', { propagationPolicy: 'Orphan' });
    assert.deepEqual(or.metadata.finalizers, ['orphan']);
    assert.ok(await store.get('default', 'or'), 'kept until the garbage collector removes the finalizer');
    await store.delete('default', 'bg', { propagationPolicy: 'Background' });
    await rejectsWith(store.get('default', 'bg'), 'NotFound', 'deployments.apps "bg" not found');
    await store.patch('default', 'or', { metadata: { finalizers: null } });
    await rejectsWith(store.get('default', 'or'), 'NotFound');
  } finally {
    await close();
  }
});
