import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { EncryptionConfigError, parseEncryptionConfig } from './config.js';
import { ensureDefaultEncryptionConfig } from './default-config.js';

const secret = randomBytes(32).toString('base64');
const config = (providers: string): string => `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
${providers}
`;

test('the EncryptionConfiguration YAML: providers in order, keys by name', () => {
  const parsed = parseEncryptionConfig(config(`      - aesgcm:\n          keys:\n            - name: key2\n              secret: ${secret}\n            - name: key1\n              secret: ${secret}\n      - identity: {}`));
  assert.equal(parsed.length, 1);
  assert.deepEqual(parsed[0]?.resources, ['secrets']);
  const [first, second] = parsed[0]?.providers ?? [];
  assert.equal(first?.type, 'aesgcm');
  assert.deepEqual(first?.type === 'aesgcm' ? first.keys.map((k) => k.name) : [], ['key2', 'key1']);
  assert.equal(second?.type, 'identity');
});

test('configuration errors name what is wrong', () => {
  const bad = (text: string, message: RegExp): void => assert.throws(() => parseEncryptionConfig(text, 'enc.yaml'), (e: unknown) => e instanceof EncryptionConfigError && message.test(e.message));
  bad('kind: Other', /enc\.yaml: apiVersion: must be apiserver\.config\.k8s\.io\/v1/);
  bad(config('      - aescbc:\n          keys: []'), /providers\[0\]: provider "aescbc" is not supported \(supported: aesgcm, identity\)/);
  bad(config(`      - aesgcm:\n          keys:\n            - name: k\n              secret: ${randomBytes(10).toString('base64')}`), /keys\[0\]\.secret: an aesgcm key must be 16, 24 or 32 bytes, not 10/);
  bad(config(`      - aesgcm:\n          keys:\n            - name: k\n              secret: ${secret}\n            - name: k\n              secret: ${secret}`), /keys\[1\]\.name: duplicate key name "k"/);
  bad(config('      - aesgcm: {}'), /aesgcm\.keys: at least one key is required/);
  bad(config('      - aesgcm:\n          keys:\n            - name: k\n              secret: "not base64!"'), /keys\[0\]\.secret: must be base64/);
  bad('apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: []\n    providers: [{identity: {}}]', /resources\[0\]\.resources: must list at least one resource/);
});

test('without a configuration the apiserver generates one, once, readable only by its owner', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'skiff-enc-'));
  try {
    const keyDir = path.join(dir, 'apiserver');
    const first = await ensureDefaultEncryptionConfig(keyDir);
    assert.equal(first.created, true);
    assert.equal((await stat(first.path)).mode & 0o777, 0o600);
    const text = await readFile(first.path, 'utf8');
    const parsed = parseEncryptionConfig(text);
    const aes = parsed[0]?.providers[0];
    assert.deepEqual(parsed[0]?.resources, ['secrets']);
    assert.equal(aes?.type === 'aesgcm' ? aes.keys[0]?.name : undefined, 'key1');
    assert.equal(parsed[0]?.providers[1]?.type, 'identity', 'Secrets written before encryption stay readable');
    const again = await ensureDefaultEncryptionConfig(keyDir);
    assert.deepEqual(again, { path: first.path, created: false });
    assert.equal(await readFile(first.path, 'utf8'), text, 'the key is never replaced');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
