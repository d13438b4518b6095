// ConfigMaps and Secrets through the registry (MemoryStorage): keys, base64, the 1 MiB limit,
// stringData, Secret types and `immutable`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Secret } from '@skiff/api';
import { newTestRegistry, rejectsWith } from './test-fixtures.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function causes(e: { details: { causes?: { field: string; message: string }[] } }): string[] {
  return (e.details.causes ?? []).map((c) => `${c.field}: ${c.message}`);
}

test('ConfigMap keys must be valid and distinct across data and binaryData; binaryData is base64', async () => {
  const { registry, close } = await newTestRegistry();
  const cms = registry.store('cm');
  try {
    const e = await rejectsWith(
      cms.create('default', { metadata: { name: 'c' }, data: { 'a/b': '1', dup: 'x', '..': 'y' }, binaryData: { dup: b64('x'), bin: 'not base64!' } }),
      'Invalid',
    );
    assert.deepEqual(causes(e), [
      "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      "data[..]: Invalid value: \"..\": must not be '..'",
      'data[dup]: Invalid value: "dup": duplicate of key present in binaryData',
      'binaryData[bin]: Invalid value: "not base64!": illegal base64 data at input byte 3',
    ]);
    const ok = (await cms.create('default', { metadata: { name: 'ok' }, data: { 'app.properties': 'a=1', KEY_1: 'v' }, binaryData: { 'logo.png': Buffer.from([0x89, 0x50]).toString('base64') } })) as ConfigMap;
    assert.equal(ok.data?.['KEY_1'], 'v');
    assert.deepEqual([...Buffer.from(ok.binaryData?.['logo.png'] ?? '', 'base64')], [0x89, 0x50]);
  } finally {
    await close();
  }
});

test('a ConfigMap over 1 MiB is refused as Kubernetes does', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const big = 'x'.repeat(700 * 1024);
    await rejectsWith(
      registry.store('configmaps').create('default', { metadata: { name: 'big' }, data: { a: big }, binaryData: { b: Buffer.from(big).toString('base64') } }),
      'Invalid',
      'ConfigMap "big" is invalid: []: Too long: must have at most 1048576 bytes',
    );
    await registry.store('configmaps').create('default', { metadata: { name: 'fits' }, data: { a: 'x'.repeat(1024 * 1024) } });
  } finally {
    await close();
  }
});

test('an immutable ConfigMap keeps its data and stays immutable; metadata may still change', async () => {
  const { registry, close } = await newTestRegistry();
  const cms = registry.store('configmaps');
  try {
    const cm = (await cms.create('default', { metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true })) as ConfigMap;
    await rejectsWith(cms.update('default', 'frozen', { ...cm, data: { a: '2' } }), 'Invalid', 'ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    await rejectsWith(cms.update('default', 'frozen', { ...cm, immutable: false }), 'Invalid', /immutable: Forbidden: field is immutable when `immutable` is set/);
    const labelled = (await cms.update('default', 'frozen', { ...cm, metadata: { ...cm.metadata, labels: { a: 'b' } } })) as ConfigMap;
    assert.deepEqual(labelled.metadata.labels, { a: 'b' });
    const mutable = (await cms.create('default', { metadata: { name: 'soft' }, data: { a: '1' } })) as ConfigMap;
    const frozen = (await cms.update('default', 'soft', { ...mutable, data: { a: '2' }, immutable: true })) as ConfigMap;
    assert.equal(frozen.data?.['a'], '2', 'data may change in the update that sets immutable');
  } finally {
    await close();
  }
});

test('Secret: stringData is merged into data and never stored; type defaults to Opaque and cannot change', async () => {
  const { registry, close } = await newTestRegistry();
  const secrets = registry.store('secrets');
  try {
    const s = (await secrets.create('default', { metadata: { name: 's' }, data: { user: b64('old'), keep: b64('k') }, stringData: { user: 'admin', pass: 'pä55' } })) as Secret;
    assert.equal(s.type, 'Opaque');
    assert.equal(s.stringData, undefined);
    assert.deepEqual(s.data, { user: b64('admin'), keep: b64('k'), pass: b64('pä55') }, 'stringData wins over data for the same key');
    const got = (await secrets.get('default', 's')) as Secret;
    assert.equal(got.stringData, undefined);
    const patched = (await secrets.patch('default', 's', { stringData: { pass: 'new' } })) as Secret;
    assert.equal(patched.data?.['pass'], b64('new'));
    assert.equal(patched.stringData, undefined);
    await rejectsWith(secrets.update('default', 's', { ...patched, type: 'example.com/other' }), 'Invalid', 'Secret "s" is invalid: type: Invalid value: "example.com/other": field is immutable');
  } finally {
    await close();
  }
});

test('Secret data must be base64; the error names the key and not the value', async () => {
  const { registry, close } = await newTestRegistry();
  try {
    const e = await rejectsWith(registry.store('secrets').create('default', { metadata: { name: 's' }, data: { token: 'c2VjcmV0!' } }), 'Invalid');
    assert.deepEqual(causes(e), ['data[token]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 8']);
    assert.doesNotMatch(e.message, /c2VjcmV0/);
    await rejectsWith(registry.store('secrets').create('default', { metadata: { name: 's2' }, data: { token: 'abc' } }), 'Invalid', /data\[token\]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 0/);
  } finally {
    await close();
  }
});

test('Secret types require their keys; dockerconfigjson must be a JSON object', async () => {
  const { registry, close } = await newTestRegistry();
  const secrets = registry.store('secrets');
  try {
    await rejectsWith(
      secrets.create('default', { metadata: { name: 'd' }, type: 'kubernetes.io/dockerconfigjson', data: {} }),
      'Invalid',
      'Secret "d" is invalid: data[.dockerconfigjson]: Required value',
    );
    await rejectsWith(
      secrets.create('default', { metadata: { name: 'd' }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths": ' } }),
      'Invalid',
      /^Secret "d" is invalid: data\[\.dockerconfigjson\]: Invalid value: "<secret contents redacted>": .*JSON/,
    );
    await rejectsWith(
      secrets.create('default', { metadata: { name: 'd' }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '[]' } }),
      'Invalid',
      /json: cannot unmarshal array into Go value of type map\[string\]interface \{\}/,
    );
    await secrets.create('default', { metadata: { name: 'd' }, type: 'kubernetes.io/dockerconfigjson', stringData: { '.dockerconfigjson': '{"auths":{}}' } });
    const tls = await rejectsWith(secrets.create('default', { metadata: { name: 't' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'c' } }), 'Invalid');
    assert.deepEqual(causes(tls), ['data[tls.key]: Required value']);
    const basic = await rejectsWith(secrets.create('default', { metadata: { name: 'b' }, type: 'kubernetes.io/basic-auth' }), 'Invalid');
    assert.deepEqual(causes(basic), ['data[username]: Required value', 'data[password]: Required value']);
    await secrets.create('default', { metadata: { name: 'b' }, type: 'kubernetes.io/basic-auth', stringData: { password: 'p' } });
    await secrets.create('default', { metadata: { name: 'custom' }, type: 'example.com/anything' });
  } finally {
    await close();
  }
});

test('a Secret over 1 MiB is refused; an immutable Secret keeps its data', async () => {
  const { registry, close } = await newTestRegistry();
  const secrets = registry.store('secrets');
  try {
    await rejectsWith(
      secrets.create('default', { metadata: { name: 'big' }, data: { a: Buffer.alloc(1024 * 1024 + 1).toString('base64') } }),
      'Invalid',
      'Secret "big" is invalid: data: Too long: must have at most 1048576 bytes',
    );
    const s = (await secrets.create('default', { metadata: { name: 'frozen' }, stringData: { a: '1' }, immutable: true })) as Secret;
    await rejectsWith(secrets.update('default', 'frozen', { ...s, stringData: { a: '2' } }), 'Invalid', 'Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
    assert.deepEqual((await secrets.list({ namespace: 'default', fieldSelector: 'type=Opaque' })).items.map((i) => i.metadata.name), ['frozen']);
  } finally {
    await close();
  }
});
