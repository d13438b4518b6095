// The pod-template-hash a Deployment gives each of its ReplicaSets, after Kubernetes'
// controller.ComputeHash: a 32-bit FNV-1a hash of the pod template (here its canonical JSON, keys
// sorted) and the collision count, written as its decimal digits mapped onto utilrand's alphabet
// (rand.SafeEncodeString), e.g. `5d9c7b4f8`. The RS is named `<deployment>-<hash>` and carries the
// hash as the `pod-template-hash` label on its selector, its template and so its pods.

import type { PodTemplateSpec } from '@skiff/api';
import { SAFE_ALPHABET } from '../../pod-control.js';

export { equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from '@skiff/api';

/** JSON with object keys sorted, so equal templates hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv1a(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h;
}

/** rand.SafeEncodeString: each character mapped onto an alphabet without vowels or look-alikes. */
export function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** The hash of a pod template and a Deployment's collisionCount (absent counts as none). */
export function computeHash(template: Readonly<PodTemplateSpec>, collisionCount?: number): string {
  let h = fnv1a(FNV_OFFSET, new TextEncoder().encode(canonicalJson(template)));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true); // little-endian, as Kubernetes
    h = fnv1a(h, bytes);
  }
  return safeEncode(String(h));
}

