import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findResource, type ConfigMap, type LimitRange, type PodDisruptionBudget, type ResourceInfo, type ResourceQuota, type Secret } from '@skiff/api';
import { TablePrinter } from './table.js';

const now = Date.parse('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:58:00Z';
const info = (r: string): ResourceInfo => findResource(r) as ResourceInfo;

function table(resource: string, objs: object[]): string {
  const p = new TablePrinter({ wide: false, withNamespace: false, showLabels: false, withKind: false });
  const i = info(resource);
  return p.print([p.header(i), ...objs.map((o) => p.row(i, o as ResourceInfo & never, now))]);
}

test('configmaps: NAME DATA AGE, counting data and binaryData', () => {
  const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', creationTimestamp: created }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } };
  assert.equal(table('configmaps', [cm, { ...cm, metadata: { name: 'empty', creationTimestamp: created }, data: undefined, binaryData: undefined }]), 'NAME    DATA   AGE\napp     3      2m\nempty   0      2m\n');
});

test('secrets: NAME TYPE DATA AGE', () => {
  const s: Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', creationTimestamp: created }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': 'e30=' } };
  assert.equal(table('secrets', [s]), 'NAME      TYPE                             DATA   AGE\nregcred   kubernetes.io/dockerconfigjson   1      2m\n');
});

test('poddisruptionbudgets: N/A for the bound not set', () => {
  const pdb: PodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', creationTimestamp: created },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } },
    status: { currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3 },
  };
  const pct: PodDisruptionBudget = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', creationTimestamp: created }, spec: { maxUnavailable: '25%' } };
  assert.equal(
    table('poddisruptionbudgets', [pdb, pct]),
    'NAME   MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE\nweb    2               N/A               1                     2m\ndb     N/A             25%               0                     2m\n',
  );
});

test('resourcequotas: requests and object counts under REQUEST, limits.* under LIMIT, used/hard sorted', () => {
  const q: ResourceQuota = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'team', creationTimestamp: created },
    spec: { hard: {} },
    status: { hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '2Gi', 'limits.cpu': '4' }, used: { pods: '3', 'requests.cpu': '500m', 'limits.cpu': '1' } },
  };
  assert.equal(table('resourcequotas', [q]), 'NAME   AGE   REQUEST                            LIMIT\nteam   2m    pods: 3/10, requests.cpu: 500m/2   limits.cpu: 1/4, limits.memory: 0/2Gi\n');
});

test('limitranges: NAME and CREATED AT in RFC 3339', () => {
  const lr: LimitRange = { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults', creationTimestamp: '2024-05-01T11:58:00.123Z' }, spec: { limits: [] } };
  assert.equal(table('limitranges', [lr]), 'NAME       CREATED AT\ndefaults   2024-05-01T11:58:00Z\n');
});
