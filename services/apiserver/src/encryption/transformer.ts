// What is stored for a resource under an encryption configuration, in Kubernetes' prefix format:
// `k8s:enc:aesgcm:v1:<key name>:` then the sealed bytes (base64 here, as Skiff's storage holds text),
// or the plain value for the identity provider. Writes use the first provider; reads find the
// provider and key by the prefix (a plain value needs identity among the providers). A read that
// did not use the first provider's first key is `stale`: rewriting it moves it to that key.

import type { Provider } from './config.js';

export const ENCRYPTED_PREFIX = 'k8s:enc:';

/** Kubernetes' wording: `unable to transform key "/registry/secrets/default/s": <why>`. */
export class DecryptError extends Error {
  constructor(key: string, why: string) {
    super(`unable to transform key "${key}": ${why}`);
  }
}

function aesPrefix(keyName: string): string {
  return `${ENCRYPTED_PREFIX}aesgcm:v1:${keyName}:`;
}

export class ValueTransformer {
  constructor(private readonly providers: readonly Provider[]) {
    if (providers.length === 0) throw new Error('a transformer needs at least one provider');
  }

  /** The stored form of `plaintext` under the etcd key `key`. */
  encrypt(key: string, plaintext: string): string {
    const first = this.providers[0]!;
    if (first.type === 'identity') return plaintext;
    const k = first.keys[0]!;
    return aesPrefix(k.name) + k.cipher.encrypt(Buffer.from(plaintext, 'utf8'), key).toString('base64');
  }

  /** The plaintext of a stored value; throws DecryptError when no configured provider can read it. */
  decrypt(key: string, stored: string): { plaintext: string; stale: boolean } {
    const first = this.providers[0]!;
    if (!stored.startsWith(ENCRYPTED_PREFIX)) {
      if (!this.providers.some((p) => p.type === 'identity')) {
        throw new DecryptError(key, 'the value is not encrypted, and the encryption configuration has no identity provider to read it');
      }
      return { plaintext: stored, stale: first.type !== 'identity' };
    }
    const m = /^k8s:enc:([^:]+):v1:([^:]+):/.exec(stored);
    if (!m || m[1] !== 'aesgcm') {
      throw new DecryptError(key, `the value is encrypted with ${m ? `the ${m[1]} provider` : 'an unknown prefix'}, which the encryption configuration does not have`);
    }
    const name = m[2] ?? '';
    for (const p of this.providers) {
      if (p.type !== 'aesgcm') continue;
      const k = p.keys.find((x) => x.name === name);
      if (!k) continue;
      let plaintext: string;
      try {
        plaintext = k.cipher.decrypt(Buffer.from(stored.slice(m[0].length), 'base64'), key).toString('utf8');
      } catch {
        throw new DecryptError(key, `the value does not decrypt with the aesgcm key "${name}": the key or the data is not the one it was written with`);
      }
      const stale = !(first.type === 'aesgcm' && first.keys[0] === k);
      return { plaintext, stale };
    }
    throw new DecryptError(key, `the value is encrypted with the aesgcm key "${name}", which is not in the encryption configuration`);
  }
}
