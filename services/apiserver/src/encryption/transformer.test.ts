import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AesGcm } from './aes-gcm.js';
import type { Provider } from './config.js';
import { DecryptError, ValueTransformer } from './transformer.js';

const KEY = '/registry/secrets/default/s';
const aes = (...names: string[]): Provider => ({ type: 'aesgcm', keys: names.map((name) => ({ name, cipher: new AesGcm(keys[name]!) })) });
const keys: Record<string, Buffer> = { key1: randomBytes(32), key2: randomBytes(32), short: randomBytes(16) };
const identity: Provider = { type: 'identity' };

test('aesgcm writes Kubernetes\' prefix and no plaintext, and reads it back', () => {
  const t = new ValueTransformer([aes('key1'), identity]);
  const sealed = t.encrypt(KEY, '{"data":{"password":"hunter2"}}');
  assert.match(sealed, /^k8s:enc:aesgcm:v1:key1:[A-Za-z0-9+/]+=*$/);
  assert.doesNotMatch(sealed, /hunter2/);
  assert.notEqual(t.encrypt(KEY, 'same'), t.encrypt(KEY, 'same'), 'a fresh nonce per write');
  assert.deepEqual(t.decrypt(KEY, sealed), { plaintext: '{"data":{"password":"hunter2"}}', stale: false });
  assert.deepEqual(new ValueTransformer([aes('short')]).decrypt(KEY, new ValueTransformer([aes('short')]).encrypt(KEY, 'x')), { plaintext: 'x', stale: false }, 'AES-128 keys work too');
});

test('rotation: the first key writes, every listed key reads; older ones are stale', () => {
  const before = new ValueTransformer([aes('key1')]);
  const old = before.encrypt(KEY, 'v');
  const during = new ValueTransformer([aes('key2', 'key1')]);
  assert.deepEqual(during.decrypt(KEY, old), { plaintext: 'v', stale: true });
  const rewritten = during.encrypt(KEY, 'v');
  assert.match(rewritten, /^k8s:enc:aesgcm:v1:key2:/);
  const after = new ValueTransformer([aes('key2')]);
  assert.deepEqual(after.decrypt(KEY, rewritten), { plaintext: 'v', stale: false });
  assert.throws(() => after.decrypt(KEY, old), (e: unknown) => e instanceof DecryptError && /the aesgcm key "key1", which is not in the encryption configuration/.test(e.message));
});

test('a value cannot be read under another key, with another secret, or tampered with', () => {
  const t = new ValueTransformer([aes('key1')]);
  const sealed = t.encrypt(KEY, 'v');
  assert.throws(() => t.decrypt('/registry/secrets/default/other', sealed), /unable to transform key "\/registry\/secrets\/default\/other": the value does not decrypt with the aesgcm key "key1"/);
  const sameNameOtherSecret = new ValueTransformer([{ type: 'aesgcm', keys: [{ name: 'key1', cipher: new AesGcm(randomBytes(32)) }] }]);
  assert.throws(() => sameNameOtherSecret.decrypt(KEY, sealed), DecryptError);
  const body = Buffer.from(sealed.slice('k8s:enc:aesgcm:v1:key1:'.length), 'base64');
  body[body.length - 1]! ^= 1;
  assert.throws(() => t.decrypt(KEY, `k8s:enc:aesgcm:v1:key1:${body.toString('base64')}`), DecryptError);
  assert.throws(() => t.decrypt(KEY, 'k8s:enc:secretbox:v1:key1:abc'), /encrypted with the secretbox provider, which the encryption configuration does not have/);
});

test('identity: plain values are read when it is listed, and written when it is first', () => {
  assert.deepEqual(new ValueTransformer([aes('key1'), identity]).decrypt(KEY, '{"a":1}'), { plaintext: '{"a":1}', stale: true });
  assert.throws(() => new ValueTransformer([aes('key1')]).decrypt(KEY, '{"a":1}'), /not encrypted, and the encryption configuration has no identity provider/);
  const off = new ValueTransformer([identity, aes('key1')]);
  assert.equal(off.encrypt(KEY, 'plain'), 'plain');
  assert.deepEqual(off.decrypt(KEY, new ValueTransformer([aes('key1')]).encrypt(KEY, 'was secret')), { plaintext: 'was secret', stale: true }, 'turning encryption off reads what was encrypted');
});

test('AesGcm refuses keys of the wrong size', () => {
  assert.throws(() => new AesGcm(randomBytes(20)), /an aesgcm key must be 16, 24 or 32 bytes, not 20/);
});
