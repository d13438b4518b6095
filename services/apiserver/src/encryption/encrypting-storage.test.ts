// EncryptingStorage over MemoryStorage, under a Registry: what is stored is ciphertext, what the
// API serves (get, list, watch) is the object; key rotation rewrites stale values.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isApiError, type Secret } from '@skiff/api';
import { Registry } from '../registry/registry.js';
import { MemoryStorage } from '../storage/memory-storage.js';
import { AesGcm } from './aes-gcm.js';
import type { Provider, ResourceEncryption } from './config.js';
import { EncryptingStorage } from './encrypting-storage.js';

const key1 = { name: 'key1', cipher: new AesGcm(randomBytes(32)) };
const key2 = { name: 'key2', cipher: new AesGcm(randomBytes(32)) };
const secretsWith = (...providers: Provider[]): ResourceEncryption[] => [{ resources: ['secrets'], providers }];

async function registryOver(storage: EncryptingStorage): Promise<Registry> {
  const registry = new Registry(storage);
  registry.start();
  await registry.bootstrap();
  return registry;
}

test('Secrets are stored encrypted and served decrypted; other kinds are untouched', async () => {
  const raw = new MemoryStorage();
  const registry = await registryOver(new EncryptingStorage(raw, secretsWith({ type: 'aesgcm', keys: [key1] }, { type: 'identity' })));
  try {
    let firstEvent: (s: Secret) => void = () => undefined;
    const watched = new Promise<Secret>((resolve) => (firstEvent = resolve));
    const w = await registry.watch('secrets', { namespace: 'default' }, { send: (ev) => firstEvent(ev.object as Secret), fail: () => undefined });
    await registry.store('secrets').create('default', { metadata: { name: 's' }, stringData: { password: 'hunter2' } });
    await registry.store('configmaps').create('default', { metadata: { name: 'c' }, data: { note: 'plain' } });
    const stored = await raw.get('/registry/secrets/default/s');
    assert.match(stored?.value ?? '', /^k8s:enc:aesgcm:v1:key1:/);
    assert.doesNotMatch(stored?.value ?? '', /hunter2|aHVudGVyMg/);
    assert.match((await raw.get('/registry/configmaps/default/c'))?.value ?? '', /"note":"plain"/);
    const got = (await registry.store('secrets').get('default', 's')) as Secret;
    assert.equal(Buffer.from(got.data?.['password'] ?? '', 'base64').toString(), 'hunter2');
    assert.equal(((await registry.store('secrets').list({ namespace: 'default' })).items[0] as Secret).data?.['password'], got.data?.['password']);
    assert.equal((await watched).data?.['password'], got.data?.['password'], 'watch events carry the decrypted object');
    w.close();
  } finally {
    await registry.stop();
  }
});

test('rotation: with a new key first, stale values are rewritten; then the old key can go', async () => {
  const raw = new MemoryStorage();
  const before = await registryOver(new EncryptingStorage(raw, secretsWith({ type: 'aesgcm', keys: [key1] })));
  await before.store('secrets').create('default', { metadata: { name: 'a' }, stringData: { v: '1' } });
  await before.store('secrets').create('default', { metadata: { name: 'b' }, stringData: { v: '2' } });
  await before.stop();

  const rotating = new EncryptingStorage(raw, secretsWith({ type: 'aesgcm', keys: [key2, key1] }));
  assert.deepEqual(await rotating.rewriteStale(), { rewritten: 2, unreadable: [] });
  assert.deepEqual(await rotating.rewriteStale(), { rewritten: 0, unreadable: [] }, 'nothing is stale any more');
  for (const name of ['a', 'b']) assert.match((await raw.get(`/registry/secrets/default/${name}`))?.value ?? '', /^k8s:enc:aesgcm:v1:key2:/);

  const after = await registryOver(new EncryptingStorage(raw, secretsWith({ type: 'aesgcm', keys: [key2] })));
  try {
    assert.equal(((await after.store('secrets').get('default', 'b')) as Secret).data?.['v'], Buffer.from('2').toString('base64'));
  } finally {
    await after.stop();
  }
});

test('a value under a key the configuration lacks fails the read with the key named', async () => {
  const raw = new MemoryStorage();
  const writer = new EncryptingStorage(raw, secretsWith({ type: 'aesgcm', keys: [key1] }));
  await writer.create('/registry/secrets/default/x', '{"metadata":{"name":"x"}}');
  const other = new EncryptingStorage(raw, secretsWith({ type: 'aesgcm', keys: [key2] }));
  assert.deepEqual(await other.rewriteStale(), { rewritten: 0, unreadable: ['/registry/secrets/default/x'] }, 'left as it is, and named');
  const registry = await registryOver(other);
  try {
    await assert.rejects(registry.store('secrets').get('default', 'x'), (e: unknown) => {
      assert.ok(isApiError(e, 'InternalError'));
      assert.equal(e.message, 'Internal error occurred: unable to transform key "/registry/secrets/default/x": the value is encrypted with the aesgcm key "key1", which is not in the encryption configuration');
      return true;
    });
  } finally {
    await registry.stop();
  }
});

test('resource names in the configuration: groups and wildcards', () => {
  const only = (resources: string[]) => new EncryptingStorage(new MemoryStorage(), [{ resources, providers: [{ type: 'aesgcm', keys: [key1] }] }]).configuredResources();
  assert.deepEqual(only(['secrets']), ['secrets']);
  assert.deepEqual(only(['deployments.apps', 'configmaps']), ['deployments', 'configmaps']);
  assert.ok(only(['*.']).includes('pods') && !only(['*.']).includes('replicasets'), '`*.` is the core group');
  assert.ok(only(['*.*']).includes('replicasets'));
});
