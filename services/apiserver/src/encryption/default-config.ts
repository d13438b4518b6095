// Skiff encrypts Secrets at rest even when no --encryption-provider-config is given (Kubernetes
// does not): the apiserver then uses `encryption-config.yaml` in its --encryption-key-dir,
// writing it once (mode 0600) with a fresh random AES-256 key. The file is an ordinary
// EncryptionConfiguration, so rotating the key is editing it: add a new key first, restart the
// apiserver (which rewrites every Secret with the new key), then remove the old key.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';

export const DEFAULT_CONFIG_FILE = 'encryption-config.yaml';

export function defaultEncryptionConfig(secret: Buffer = randomBytes(32)): string {
  const doc = {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [{ resources: ['secrets'], providers: [{ aesgcm: { keys: [{ name: 'key1', secret: secret.toString('base64') }] } }, { identity: {} }] }],
  };
  return `# Written by the Skiff apiserver: the key that encrypts Secrets in etcd. Keep it; without it they cannot be read.\n${stringify(doc)}`;
}

/** The path of the configuration in `dir`, written there first if it does not exist yet. */
export async function ensureDefaultEncryptionConfig(dir: string): Promise<{ path: string; created: boolean }> {
  const file = path.join(dir, DEFAULT_CONFIG_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  try {
    await readFile(file, 'utf8');
    return { path: file, created: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  try {
    // `wx`: if another process wrote it meanwhile, keep theirs.
    await writeFile(file, defaultEncryptionConfig(), { mode: 0o600, flag: 'wx' });
    return { path: file, created: true };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { path: file, created: false };
    throw e;
  }
}
