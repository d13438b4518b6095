// Secrets (pkg/registry/core/secret, ValidateSecret): base64 `data`; `stringData` is merged into
// `data` on every write and never stored (it is write-only, as in Kubernetes, where the v1 → internal
// conversion does the merge); `type` defaults to Opaque, cannot change, and the well-known types
// require their keys; at most 1 MiB of data; frozen once `immutable` is set. Values are encrypted
// at rest by the storage layer (src/encryption), not here.

import { RESOURCES, type FieldError, type Secret } from '@skiff/api';
import { S } from '../schema.js';
import { kindSchema } from '../meta-schema.js';
import type { Strategy } from '../strategy.js';
import { MAX_DATA_SIZE, decodeByteData, validateDataKeys, validateImmutableData } from '../validation/config-data.js';
import { fe, immutable } from '../validation/field-errors.js';
import { subdomainName, validateObjectMeta } from '../validation/meta.js';

const schema = kindSchema({ data: S.map(S.string), stringData: S.map(S.string), type: S.string, immutable: S.boolean });

const REDACTED = '<secret contents redacted>';

/** The keys each well-known type requires in `data` (kubernetes.io/basic-auth needs one of its two). */
const REQUIRED_KEYS: Record<string, readonly string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

/** The JSON of a docker config key must be an object (Go unmarshals it into a map). */
function jsonObjectProblem(bytes: Buffer): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return `json: cannot unmarshal ${Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed} into Go value of type map[string]interface {}`;
  }
  return undefined;
}

function validateType(secret: Secret, values: ReadonlyMap<string, Buffer>): FieldError[] {
  const type = secret.type ?? 'Opaque';
  const errs: FieldError[] = [];
  if (type === 'kubernetes.io/service-account-token') {
    if (!secret.metadata.annotations?.['kubernetes.io/service-account.name']) {
      errs.push(fe.required('metadata.annotations[kubernetes.io/service-account.name]'));
    }
    return errs;
  }
  if (type === 'kubernetes.io/basic-auth') {
    if (secret.data?.['username'] === undefined && secret.data?.['password'] === undefined) {
      errs.push(fe.required('data[username]'), fe.required('data[password]'));
    }
    return errs;
  }
  for (const key of REQUIRED_KEYS[type] ?? []) {
    const present = secret.data?.[key] !== undefined;
    const empty = type === 'kubernetes.io/ssh-auth' && (values.get(key)?.length ?? 0) === 0;
    if (!present || empty) {
      errs.push(fe.required(`data[${key}]`));
      continue;
    }
    const bytes = values.get(key);
    const problem = bytes && (key === '.dockercfg' || key === '.dockerconfigjson') ? jsonObjectProblem(bytes) : undefined;
    if (problem !== undefined) errs.push(fe.invalid(`data[${key}]`, REDACTED, problem));
  }
  return errs;
}

function validateSecret(secret: Secret): FieldError[] {
  const errs = validateObjectMeta(secret.metadata, true, subdomainName);
  errs.push(...validateDataKeys(secret.data, 'data'));
  const decoded = decodeByteData(secret.data, 'data', true);
  errs.push(...decoded.errors);
  let size = 0;
  for (const bytes of decoded.values.values()) size += bytes.length;
  if (size > MAX_DATA_SIZE) errs.push(fe.tooLong('data', MAX_DATA_SIZE));
  errs.push(...validateType(secret, decoded.values));
  return errs;
}

export const secretStrategy: Strategy<Secret> = {
  info: RESOURCES.find((r) => r.resource === 'secrets')!,
  schema,
  nameValidator: subdomainName,
  tracksGeneration: false,
  hasStatusSubresource: false,
  allowUnconditionalUpdate: true,
  applyDefaults(secret) {
    if (secret.stringData !== undefined) {
      if (typeof secret.stringData === 'object') {
        secret.data ??= {};
        for (const [key, value] of Object.entries(secret.stringData)) secret.data[key] = Buffer.from(String(value), 'utf8').toString('base64');
      }
      delete secret.stringData;
    }
    secret.type ||= 'Opaque';
  },
  prepareForCreate() {},
  validate: validateSecret,
  validateUpdate(secret, old) {
    return [...immutable('type', secret.type, old.type), ...validateImmutableData(secret, old, ['data'])];
  },
  validateStatus: () => [],
  selectableFields(secret) {
    return { type: secret.type ?? '' };
  },
};
