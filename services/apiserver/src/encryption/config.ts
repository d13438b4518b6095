// The encryption configuration file, in Kubernetes' EncryptionConfiguration shape
// (apiserver.config.k8s.io/v1; --encryption-provider-config):
//
//   apiVersion: apiserver.config.k8s.io/v1
//   kind: EncryptionConfiguration
//   resources:
//     - resources: [secrets]
//       providers:
//         - aesgcm:
//             keys:
//               - name: key1
//                 secret: <base64 of 16, 24 or 32 random bytes>
//         - identity: {}
//
// For each resource the first provider (and its first key) encrypts writes; every provider and key
// listed can decrypt reads. Skiff supports the aesgcm and identity providers.

import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { AesGcm } from './aes-gcm.js';

export type Provider = { type: 'identity' } | { type: 'aesgcm'; keys: { name: string; cipher: AesGcm }[] };

export interface ResourceEncryption {
  /** Resource names as in the file: `secrets`, `deployments.apps`, or the wildcards `*.` and `*.*`. */
  resources: string[];
  providers: Provider[];
}

export class EncryptionConfigError extends Error {}

const API_VERSION = 'apiserver.config.k8s.io/v1';
const KIND = 'EncryptionConfiguration';
const SUPPORTED = ['aesgcm', 'identity'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(where: string, message: string): never {
  throw new EncryptionConfigError(`${where}: ${message}`);
}

function parseKeys(raw: unknown, where: string): { name: string; cipher: AesGcm }[] {
  const keys = isObject(raw) ? raw['keys'] : undefined;
  if (!Array.isArray(keys) || keys.length === 0) fail(`${where}.keys`, 'at least one key is required');
  const names = new Set<string>();
  return keys.map((k: unknown, i) => {
    const at = `${where}.keys[${i}]`;
    if (!isObject(k)) fail(at, 'must be an object with name and secret');
    const name = k['name'];
    const secret = k['secret'];
    if (typeof name !== 'string' || name === '') fail(`${at}.name`, 'is required');
    if (name.includes(':')) fail(`${at}.name`, `"${name}" must not contain ':'`);
    if (names.has(name)) fail(`${at}.name`, `duplicate key name "${name}"`);
    names.add(name);
    if (typeof secret !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(secret)) fail(`${at}.secret`, 'must be base64');
    try {
      return { name, cipher: new AesGcm(Buffer.from(secret, 'base64')) };
    } catch (e) {
      return fail(`${at}.secret`, e instanceof Error ? e.message : String(e));
    }
  });
}

function parseProvider(raw: unknown, where: string): Provider {
  if (!isObject(raw)) fail(where, 'must be an object naming one provider');
  const names = Object.keys(raw);
  if (names.length !== 1) fail(where, `must name exactly one provider, not ${names.length} (${names.join(', ')})`);
  const type = names[0] ?? '';
  if (type === 'identity') return { type: 'identity' };
  if (type === 'aesgcm') return { type: 'aesgcm', keys: parseKeys(raw['aesgcm'], `${where}.aesgcm`) };
  return fail(where, `provider "${type}" is not supported (supported: ${SUPPORTED.join(', ')})`);
}

/** Parses the file's text; throws EncryptionConfigError naming the field at fault. */
export function parseEncryptionConfig(text: string, source = 'encryption configuration'): ResourceEncryption[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    fail(source, `not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(doc)) fail(source, 'must be a YAML object');
  if (doc['apiVersion'] !== API_VERSION) fail(`${source}: apiVersion`, `must be ${API_VERSION}`);
  if (doc['kind'] !== KIND) fail(`${source}: kind`, `must be ${KIND}`);
  const entries = doc['resources'];
  if (!Array.isArray(entries)) fail(`${source}: resources`, 'is required');
  return entries.map((entry: unknown, i) => {
    const at = `${source}: resources[${i}]`;
    if (!isObject(entry)) fail(at, 'must be an object with resources and providers');
    const resources = entry['resources'];
    const providers = entry['providers'];
    if (!Array.isArray(resources) || resources.length === 0 || !resources.every((r) => typeof r === 'string' && r !== '')) {
      fail(`${at}.resources`, 'must list at least one resource');
    }
    if (!Array.isArray(providers) || providers.length === 0) fail(`${at}.providers`, 'must list at least one provider');
    return { resources: resources as string[], providers: providers.map((p: unknown, j) => parseProvider(p, `${at}.providers[${j}]`)) };
  });
}

export async function loadEncryptionConfig(path: string): Promise<ResourceEncryption[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new EncryptionConfigError(`cannot read the encryption configuration ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseEncryptionConfig(text, path);
}
