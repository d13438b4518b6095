// Secrets encrypted at rest in a real etcd: the raw etcd value (read with etcd3, as an attacker
// with etcd access would) carries Kubernetes' prefix and no plaintext; key rotation across
// apiserver restarts; the generated default key.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import type { Secret } from '@skiff/api';
import { ApiClient } from '@skiff/client';
import { silentLogger } from '@skiff/component';
import { startApiserver, type ApiserverConfig, type RunningApiserver } from '../run.js';
import { startTestEtcd, type TestEtcd } from '../storage/test-etcd.js';

let etcd: TestEtcd;
let raw: Etcd3;
let dir: string;

const key1 = randomBytes(32).toString('base64');
const key2 = randomBytes(32).toString('base64');

function configYaml(keys: [string, string][]): string {
  const list = keys.map(([name, secret]) => `            - name: ${name}\n              secret: ${secret}`).join('\n');
  return `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n      - aesgcm:\n          keys:\n${list}\n      - identity: {}\n`;
}

async function withApiserver<T>(extra: Partial<ApiserverConfig>, fn: (client: ApiClient, server: RunningApiserver) => Promise<T>): Promise<T> {
  const server = await startApiserver({ etcdServers: [etcd.endpoint], bindAddress: '127.0.0.1', port: 0, httpPort: 0, ...extra }, { log: silentLogger() });
  const client = new ApiClient({ server: server.address, timeoutMs: 10_000 });
  try {
    return await fn(client, server);
  } finally {
    client.close();
    await server.stop();
  }
}

async function rawValue(key: string): Promise<string> {
  return (await raw.get(key).string()) ?? '';
}

/** Polls until `check` holds (the rewrite of stale values runs in the background after start). */
async function eventually(check: () => Promise<boolean>, what: string, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  etcd = await startTestEtcd();
  raw = new Etcd3({ hosts: etcd.endpoint });
  dir = await mkdtemp(path.join(tmpdir(), 'skiff-encryption-'));
});

after(async () => {
  raw?.close();
  await etcd?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a Secret in etcd is AES-GCM ciphertext behind Kubernetes\' prefix; the API serves it decrypted', async () => {
  const file = path.join(dir, 'enc.yaml');
  await writeFile(file, configYaml([['key1', key1]]));
  await withApiserver({ encryptionProviderConfig: file }, async (client) => {
    await client.create<Secret>('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, stringData: { password: 'hunter2-plaintext' } });
    await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' }, data: { note: 'visible' } });
    const stored = await rawValue('/registry/secrets/default/db');
    assert.ok(stored.startsWith('k8s:enc:aesgcm:v1:key1:'), stored.slice(0, 40));
    for (const leak of ['hunter2-plaintext', Buffer.from('hunter2-plaintext').toString('base64'), '"password"', '"db"']) assert.ok(!stored.includes(leak), `the raw value contains ${leak}`);
    assert.match(await rawValue('/registry/configmaps/default/cfg'), /"visible"/, 'what the configuration does not name stays plain');
    const got = await client.get<Secret>('secrets', 'default', 'db');
    assert.equal(Buffer.from(got.data?.['password'] ?? '', 'base64').toString(), 'hunter2-plaintext');
  });
});

test('key rotation: add a new key first and restart (Secrets are rewritten), then drop the old one', async () => {
  const file = path.join(dir, 'rotate.yaml');
  await writeFile(file, configYaml([['key1', key1]]));
  await withApiserver({ encryptionProviderConfig: file }, (client) =>
    client.create<Secret>('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'rot', namespace: 'default' }, stringData: { v: 'rotating' } }),
  );
  assert.ok((await rawValue('/registry/secrets/default/rot')).startsWith('k8s:enc:aesgcm:v1:key1:'));

  await writeFile(file, configYaml([['key2', key2], ['key1', key1]]));
  await withApiserver({ encryptionProviderConfig: file }, async (client) => {
    await eventually(async () => (await rawValue('/registry/secrets/default/rot')).startsWith('k8s:enc:aesgcm:v1:key2:'), 'the Secret rewritten with key2');
    assert.equal((await client.get<Secret>('secrets', 'default', 'rot')).data?.['v'], Buffer.from('rotating').toString('base64'));
  });

  await writeFile(file, configYaml([['key2', key2]]));
  await withApiserver({ encryptionProviderConfig: file }, async (client) => {
    assert.equal((await client.get<Secret>('secrets', 'default', 'rot')).data?.['v'], Buffer.from('rotating').toString('base64'));
  });
});

test('with only a key directory the apiserver generates its key once and encrypts with it', async () => {
  const keyDir = path.join(dir, 'generated');
  await withApiserver({ encryptionKeyDir: keyDir }, (client) =>
    client.create<Secret>('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gen', namespace: 'default' }, stringData: { v: 'generated-key' } }),
  );
  assert.ok((await rawValue('/registry/secrets/default/gen')).startsWith('k8s:enc:aesgcm:v1:key1:'));
  await withApiserver({ encryptionKeyDir: keyDir }, async (client) => {
    assert.equal((await client.get<Secret>('secrets', 'default', 'gen')).data?.['v'], Buffer.from('generated-key').toString('base64'), 'a restart finds the same key');
  });
});
