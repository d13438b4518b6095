// How the apiserver opens its encryption at rest from its flags: --encryption-provider-config (a
// file the operator manages) wins; else --encryption-key-dir, where a configuration with a random
// key is generated once; neither (in-process tests) leaves values unencrypted.

import type { Logger } from '@skiff/component';
import { loadEncryptionConfig, type ResourceEncryption } from './config.js';
import { ensureDefaultEncryptionConfig } from './default-config.js';
import type { EncryptingStorage } from './encrypting-storage.js';

export interface EncryptionFlags {
  encryptionProviderConfig?: string;
  encryptionKeyDir?: string;
}

/** The encryption configuration to use, or undefined when encryption is off. */
export async function resolveEncryption(flags: EncryptionFlags, log: Logger): Promise<ResourceEncryption[] | undefined> {
  let file = flags.encryptionProviderConfig;
  if (!file && flags.encryptionKeyDir) {
    const made = await ensureDefaultEncryptionConfig(flags.encryptionKeyDir);
    if (made.created) log.info({ path: made.path }, 'generated an encryption key for Secrets at rest');
    file = made.path;
  }
  if (!file) {
    log.info('no encryption configuration: Secrets are stored unencrypted');
    return undefined;
  }
  const config = await loadEncryptionConfig(file);
  log.info({ path: file, resources: config.flatMap((c) => c.resources) }, 'encrypting at rest');
  return config;
}

/** Moves values written with an older key (or unencrypted) to the current one; logs what it did. */
export async function rewriteStaleValues(storage: EncryptingStorage, log: Logger): Promise<void> {
  try {
    const { rewritten, unreadable } = await storage.rewriteStale();
    if (rewritten > 0) log.info({ rewritten }, 'rewrote values stored with an older encryption key');
    if (unreadable.length > 0) log.error({ keys: unreadable }, 'values no configured encryption key can decrypt: reads of them fail');
  } catch (e) {
    log.warn({ err: e instanceof Error ? e.message : String(e) }, 'could not rewrite values stored with an older encryption key');
  }
}
