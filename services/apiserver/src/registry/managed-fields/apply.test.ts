// Cases from Kubernetes' "Server-Side Apply" documentation (reference/using-api/server-side-apply):
// field management, conflicts and force, transferring ownership (the HPA/replicas example), merge
// strategy of keyed lists and sets, and structured-merge-diff's FieldsV1 format.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError, type KubeObject } from '@skiff/api';
import { applyConfig, FieldSet, fieldManagerFor, recordUpdate, type ManagedFieldsEntry } from './index.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';
const opts = (now = T1, force = false) => ({ force, now, apiVersion: 'apps/v1' });

function deployment(spec: object, meta: object = {}): object {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default', ...meta }, spec };
}
const container = (image: string, extra: object = {}) => ({ name: 'nginx', image, ...extra });
const template = (containers: object[]) => ({ metadata: { labels: { app: 'nginx' } }, spec: { containers } });
const mf = (o: KubeObject): ManagedFieldsEntry[] => (o.metadata as { managedFields: ManagedFieldsEntry[] }).managedFields;
const spec = (o: KubeObject) => o.spec as { replicas?: number; template: { spec: { containers: { name: string; image?: string }[] } } };

test('create by apply: the applier owns exactly the applied fields (FieldsV1 as Kubernetes writes it)', () => {
  const cfg = deployment(
    { replicas: 2, selector: { matchLabels: { app: 'nginx' } }, template: template([container('nginx:1.25', { ports: [{ containerPort: 80 }] })]) },
    { labels: { app: 'nginx' } },
  );
  const { object, changed } = applyConfig(undefined, cfg, 'kubectl', opts(T0));
  assert.equal(changed, true);
  assert.equal(object.metadata.name, 'nginx');
  assert.deepEqual(mf(object), [
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: T0,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                },
              },
            },
          },
        },
      },
    },
  ]);
});

test('FieldsV1 round-trips and paths print as structured-merge-diff does', () => {
  const fields = {
    'f:metadata': { 'f:finalizers': { '.': {}, 'v:"example.com/a"': {} } },
    'f:spec': { 'f:containers': { 'k:{"name":"x"}': { '.': {}, 'f:image': {} } } },
  };
  const set = FieldSet.fromFieldsV1(fields);
  assert.deepEqual(set.toFieldsV1(), fields);
  assert.deepEqual(
    set.paths().map((p) => p.join(' ')),
    ['f:metadata f:finalizers', 'f:metadata f:finalizers v:"example.com/a"', 'f:spec f:containers k:{"name":"x"}', 'f:spec f:containers k:{"name":"x"} f:image'],
  );
});

test('re-applying the same configuration changes nothing and keeps the entry time', () => {
  const cfg = deployment({ replicas: 2, template: template([container('nginx:1.25')]) });
  const first = applyConfig(undefined, cfg, 'kubectl', opts(T0)).object;
  const again = applyConfig(first, cfg, 'kubectl', opts(T1));
  assert.equal(again.changed, false);
  assert.deepEqual(again.object, first);
});

test('applying without a field removes it when no other manager owns it', () => {
  const first = applyConfig(undefined, deployment({ replicas: 2, paused: true, template: template([container('a')]) }, { labels: { app: 'x', tier: 'web' } }), 'kubectl', opts(T0)).object;
  const second = applyConfig(first, deployment({ replicas: 2, template: template([container('a')]) }, { labels: { app: 'x' } }), 'kubectl', opts(T1));
  assert.equal(second.changed, true);
  assert.equal((second.object.spec as { paused?: boolean }).paused, undefined);
  assert.deepEqual(second.object.metadata.labels, { app: 'x' });
  assert.equal(mf(second.object)[0]?.time, T1);
  // Removing the last label removes the emptied map too.
  const third = applyConfig(second.object, deployment({ replicas: 2, template: template([container('a')]) }), 'kubectl', opts(T1)).object;
  assert.equal(third.metadata.labels, undefined);
});

test('a field another manager also owns stays when one applier stops applying it', () => {
  const a = applyConfig(undefined, deployment({ replicas: 3 }), 'a', opts(T0)).object;
  const ab = applyConfig(a, deployment({ replicas: 3 }), 'b', opts(T0)).object; // equal value: shared, no conflict
  assert.deepEqual(mf(ab).map((e) => [e.manager, e.fieldsV1]), [
    ['a', { 'f:spec': { 'f:replicas': {} } }],
    ['b', { 'f:spec': { 'f:replicas': {} } }],
  ]);
  const noSpec = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default' } };
  const dropped = applyConfig(ab, noSpec, 'a', opts(T1)).object;
  assert.equal(spec(dropped).replicas, 3);
  assert.deepEqual(mf(dropped).map((e) => e.manager), ['b']);
});

test('changing a field another applier owns is a 409 naming manager and field; force takes it over', () => {
  const a = applyConfig(undefined, deployment({ replicas: 3, template: template([container('nginx:1.25')]) }), 'a', opts(T0)).object;
  let err: unknown;
  try {
    applyConfig(a, deployment({ replicas: 5 }), 'b', opts(T1));
  } catch (e) {
    err = e;
  }
  assert.ok(isApiError(err, 'Conflict'));
  assert.equal(err.code, 409);
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "a": .spec.replicas');
  assert.deepEqual(err.details.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.spec.replicas' }]);

  const forced = applyConfig(a, deployment({ replicas: 5 }), 'b', opts(T1, true));
  assert.equal(spec(forced.object).replicas, 5);
  assert.equal(forced.conflicts?.length, 1);
  const owners = Object.fromEntries(mf(forced.object).map((e) => [e.manager, e.fieldsV1]));
  assert.deepEqual(owners['b'], { 'f:spec': { 'f:replicas': {} } });
  assert.equal(JSON.stringify(owners['a']).includes('f:replicas'), false, 'a lost .spec.replicas');
});

test('several conflicts are grouped by manager', () => {
  const a = applyConfig(undefined, deployment({ replicas: 3, paused: false, template: template([container('x')]) }), 'a', opts(T0)).object;
  assert.throws(
    () => applyConfig(a, deployment({ replicas: 4, paused: true, template: template([container('y')]) }), 'b', opts(T1)),
    (e: unknown) =>
      isApiError(e, 'Conflict') &&
      e.message ===
        'Apply failed with 3 conflicts: conflicts with "a":\n- .spec.paused\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image' &&
      e.details.causes?.length === 3,
  );
});

test('apply after a client-side update conflicts on replicas (the HPA example); the updater is named with its version', () => {
  // kubectl apply (client-side) creates the Deployment: an Update by kubectl-client-side-apply.
  const created = recordUpdate(
    undefined,
    { ...deployment({ replicas: 2, template: template([container('nginx:1.25')]) }) } as KubeObject,
    'kubectl-client-side-apply',
    { now: T0 },
  );
  assert.deepEqual(mf(created).map((e) => [e.manager, e.operation, e.apiVersion]), [['kubectl-client-side-apply', 'Update', 'apps/v1']]);
  assert.throws(
    () => applyConfig(created, deployment({ replicas: 5 }), 'my-applier', opts(T1)),
    (e: unknown) =>
      isApiError(e, 'Conflict') &&
      e.message === 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas' &&
      e.details.causes?.[0]?.field === '.spec.replicas',
  );
  // The docs' remedy: the applier leaves replicas out and the other manager keeps it.
  const ok = applyConfig(created, deployment({ template: template([container('nginx:1.25')]) }), 'my-applier', opts(T1));
  assert.equal(spec(ok.object).replicas, 2);
});

test('kubectl --server-side takes over fields client-side apply set and nobody changed since', () => {
  const lastApplied = JSON.stringify(deployment({ replicas: 2, template: template([container('nginx:1.25')]) }, { annotations: {} }));
  const created = recordUpdate(
    undefined,
    deployment({ replicas: 2, template: template([container('nginx:1.25')]) }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } }) as KubeObject,
    'kubectl-client-side-apply',
    { now: T0 },
  );
  const applied = applyConfig(created, deployment({ replicas: 2, template: template([container('nginx:1.26')]) }), 'kubectl', opts(T1));
  assert.equal(spec(applied.object).template.spec.containers[0]?.image, 'nginx:1.26');
  // kubectl's annotation follows the server-side applied configuration.
  const ann = applied.object.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '';
  assert.match(ann, /nginx:1\.26/);
  // Another manager gets no such allowance.
  assert.throws(() => applyConfig(created, deployment({ template: template([container('nginx:1.26')]) }), 'other', opts(T1)), (e: unknown) => isApiError(e, 'Conflict'));
});

test('two managers apply different containers of one keyed list; each keeps its own', () => {
  const a = applyConfig(undefined, deployment({ template: template([{ name: 'web', image: 'web:1' }]) }), 'a', opts(T0)).object;
  const ab = applyConfig(a, deployment({ template: template([{ name: 'sidecar', image: 'proxy:1' }]) }), 'b', opts(T0)).object;
  assert.deepEqual(spec(ab).template.spec.containers, [
    { name: 'web', image: 'web:1' },
    { name: 'sidecar', image: 'proxy:1' },
  ]);
  // a updates its container: no conflict with b's item.
  const a2 = applyConfig(ab, deployment({ template: template([{ name: 'web', image: 'web:2' }]) }), 'a', opts(T1)).object;
  assert.deepEqual(spec(a2).template.spec.containers.map((c) => c.image), ['web:2', 'proxy:1']);
  // b drops its container: the item goes, a's stays.
  const b2 = applyConfig(a2, deployment({ template: { metadata: { labels: { app: 'nginx' } } } }), 'b', opts(T1)).object;
  assert.deepEqual(spec(b2).template.spec.containers, [{ name: 'web', image: 'web:2' }]);
});

test('finalizers are a set: each manager owns its items', () => {
  const meta = (finalizers: string[]) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', finalizers } });
  const a = applyConfig(undefined, meta(['example.com/a']), 'a', { force: false, now: T0, apiVersion: 'v1' }).object;
  const ab = applyConfig(a, meta(['example.com/b']), 'b', { force: false, now: T0, apiVersion: 'v1' }).object;
  assert.deepEqual(ab.metadata.finalizers, ['example.com/a', 'example.com/b']);
  assert.deepEqual(mf(ab).find((e) => e.manager === 'b')?.fieldsV1, { 'f:metadata': { 'f:finalizers': { 'v:"example.com/b"': {} } } });
  const a2 = applyConfig(ab, meta([]), 'a', { force: false, now: T1, apiVersion: 'v1' }).object;
  assert.deepEqual(a2.metadata.finalizers, ['example.com/b']);
});

test('updates move changed fields to the writer and keep the writer time when nothing changed', () => {
  const applied = applyConfig(undefined, deployment({ replicas: 2, template: template([container('a')]) }), 'kubectl', opts(T0)).object;
  const scaled = recordUpdate(applied, { ...applied, spec: { ...(applied.spec as object), replicas: 4 } }, 'kube-controller-manager', { now: T1 });
  const byManager = Object.fromEntries(mf(scaled).map((e) => [e.manager, e]));
  assert.deepEqual(byManager['kube-controller-manager']?.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.equal(byManager['kube-controller-manager']?.operation, 'Update');
  assert.equal(JSON.stringify(byManager['kubectl']?.fieldsV1).includes('f:replicas'), false);
  // An update that changes nothing records nothing new.
  const same = recordUpdate(scaled, scaled, 'someone', { now: '2026-01-01T00:02:00Z' });
  assert.deepEqual(mf(same), mf(scaled));
  // Client-sent [{}] strips managedFields.
  const stripped = recordUpdate(scaled, { ...scaled, metadata: { ...scaled.metadata, managedFields: [{}] } } as KubeObject, 'x', { now: T1 });
  assert.equal((stripped.metadata as { managedFields?: unknown }).managedFields, undefined);
});

test('the manager of a write without fieldManager is the User-Agent program name', () => {
  assert.equal(fieldManagerFor('kubectl-edit', 'kubectl/v1.32.5 (linux/amd64) kubernetes/9894294'), 'kubectl-edit');
  assert.equal(fieldManagerFor(null, 'kubectl/v1.32.5 (linux/amd64) kubernetes/9894294'), 'kubectl');
  assert.equal(fieldManagerFor(undefined, 'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)'), 'node-fetch');
});
