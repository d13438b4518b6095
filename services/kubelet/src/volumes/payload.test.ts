import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigMap, Secret } from '@skiff/api';
import { makePod } from '../testing/fixtures.js';
import type { FileProjection } from './atomic-writer.js';
import { configMapPayload, downwardAPIPayload, secretPayload } from './payload.js';

const cm: ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'app', namespace: 'default' },
  data: { 'app.conf': 'port=80\n', mode: 'prod' },
  binaryData: { 'logo.bin': Buffer.from([0, 1, 2, 255]).toString('base64') },
};
const secret: Secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds', namespace: 'default' },
  data: { password: Buffer.from('hunter2').toString('base64'), 'tls.key': Buffer.from('KEY').toString('base64') },
};

const show = (p: Map<string, FileProjection>) =>
  Object.fromEntries([...p].sort(([a], [b]) => a.localeCompare(b)).map(([k, f]) => [k, `${f.mode.toString(8)}:${f.data.toString('utf8')}`]));

describe('configMapPayload', () => {
  it('makes one file per key (data and decoded binaryData) with mode 0644 by default', () => {
    const p = configMapPayload({ name: 'app' }, cm);
    assert.deepEqual([...p.keys()].sort(), ['app.conf', 'logo.bin', 'mode']);
    assert.equal(p.get('app.conf')?.data.toString(), 'port=80\n');
    assert.deepEqual([...(p.get('logo.bin')?.data ?? [])], [0, 1, 2, 255]);
    assert.ok([...p.values()].every((f) => f.mode === 0o644));
  });

  it('honours defaultMode, and items pick keys, paths and per-item modes', () => {
    assert.deepEqual(show(configMapPayload({ name: 'app', defaultMode: 0o440 }, { ...cm, binaryData: {} })), { 'app.conf': '440:port=80\n', mode: '440:prod' });
    const p = configMapPayload({ name: 'app', defaultMode: 0o600, items: [{ key: 'app.conf', path: 'etc/app/app.conf' }, { key: 'mode', path: 'MODE', mode: 0o444 }] }, cm);
    assert.deepEqual(show(p), { 'etc/app/app.conf': '600:port=80\n', MODE: '444:prod' });
  });

  it('fails on an item naming a missing key, unless optional', () => {
    assert.throws(() => configMapPayload({ name: 'app', items: [{ key: 'nope', path: 'x' }] }, cm), { message: 'configmap references non-existent config key: nope' });
    assert.deepEqual(show(configMapPayload({ name: 'app', optional: true, items: [{ key: 'nope', path: 'x' }, { key: 'mode', path: 'm' }] }, cm)), { m: '644:prod' });
  });

  it('is empty for a missing optional ConfigMap', () => {
    assert.equal(configMapPayload({ name: 'gone', optional: true }, undefined).size, 0);
  });
});

describe('secretPayload', () => {
  it('decodes the values and applies items and modes', () => {
    assert.deepEqual(show(secretPayload({ secretName: 'creds' }, secret)), { password: '644:hunter2', 'tls.key': '644:KEY' });
    assert.deepEqual(show(secretPayload({ secretName: 'creds', defaultMode: 0o400, items: [{ key: 'password', path: 'db/pw' }] }, secret)), { 'db/pw': '400:hunter2' });
    assert.throws(() => secretPayload({ secretName: 'creds', items: [{ key: 'x', path: 'x' }] }, secret), { message: 'secret references non-existent secret key: x' });
  });
});

describe('downwardAPIPayload', () => {
  it('writes metadata fields, labels and annotations as key="value" lines, and resources', () => {
    const pod = makePod({ name: 'web-1', namespace: 'shop', uid: 'u-1', containers: [{ name: 'app', image: 'x', resources: { limits: { cpu: '250m', memory: '64Mi' } } }] });
    pod.metadata.labels = { tier: 'web', app: 'shop' };
    pod.metadata.annotations = { note: 'say "hi"\nbye' };
    const p = downwardAPIPayload(
      pod,
      {
        defaultMode: 0o640,
        items: [
          { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          { path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } },
          { path: 'uid', fieldRef: { fieldPath: 'metadata.uid' } },
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' }, mode: 0o400 },
          { path: 'tier', fieldRef: { fieldPath: "metadata.labels['tier']" } },
          { path: 'cpu_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } },
          { path: 'mem_limit', resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' } },
        ],
      },
      { cpu: '4', memory: '8Gi' },
    );
    assert.deepEqual(show(p), {
      annotations: '400:note="say \\"hi\\"\\nbye"',
      cpu_limit: '640:250',
      labels: '640:app="shop"\ntier="web"',
      mem_limit: '640:64',
      name: '640:web-1',
      ns: '640:shop',
      tier: '640:web',
      uid: '640:u-1',
    });
  });

  it('fails for fields a volume cannot show (status.podIP is env-only) and unknown containers', () => {
    const pod = makePod();
    assert.throws(() => downwardAPIPayload(pod, { items: [{ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }] }, { cpu: '1', memory: '1Gi' }), /unsupported fieldPath: status.podIP/);
    assert.throws(() => downwardAPIPayload(pod, { items: [{ path: 'c', resourceFieldRef: { containerName: 'ghost', resource: 'limits.cpu' } }] }, { cpu: '1', memory: '1Gi' }), /container ghost not found/);
  });
});
