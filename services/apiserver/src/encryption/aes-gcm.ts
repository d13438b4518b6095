// The aesgcm provider (staging/src/k8s.io/apiserver/pkg/storage/value/encrypt/aes): AES-GCM with
// a random 12-byte nonce per write, the etcd key as additional authenticated data (so a value
// copied under another key does not decrypt), the 16-byte tag after the ciphertext.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class AesGcm {
  private readonly algorithm: 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm';

  constructor(private readonly key: Buffer) {
    if (![16, 24, 32].includes(key.length)) throw new Error(`an aesgcm key must be 16, 24 or 32 bytes, not ${key.length}`);
    this.algorithm = `aes-${key.length * 8}-gcm` as 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm';
  }

  /** nonce + ciphertext + tag. */
  encrypt(plaintext: Buffer, authenticatedData: string): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(this.algorithm, this.key, nonce);
    cipher.setAAD(Buffer.from(authenticatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  }

  /** Throws when the data was not sealed with this key for this authenticated data. */
  decrypt(sealed: Buffer, authenticatedData: string): Buffer {
    if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new Error('the encrypted data is too short');
    const nonce = sealed.subarray(0, NONCE_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    const decipher = createDecipheriv(this.algorithm, this.key, nonce);
    decipher.setAAD(Buffer.from(authenticatedData, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  }
}
